// The emulator binary (built by the native suite) as a child process, for the node and end-to-end
// suites: started on a free port with `args`, resolved once it prints its base URL.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const emulatorBinary = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../target/debug/pipedrive-webhooks-emulator");

/** Starts `pipedrive-webhooks-emulator --port 0 …args`; resolves to `{ url, stop }`. */
export function startEmulatorBinary(args = []) {
  const child = spawn(emulatorBinary, ["--port", "0", ...args], { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
    child.stdout.on("data", (d) => {
      const m = /on (http:\/\/127\.0\.0\.1:\d+)\/v1/.exec(d.toString());
      if (m) resolve({ url: m[1], stop: () => child.kill() });
    });
  });
}
