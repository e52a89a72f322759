//! `cargo xtask dist-js`: the npm package `pipedrive-webhooks`, built from the release wasm.
//!
//! Layout: `node/` (CommonJS, loads the wasm synchronously), `web/` (ES module for browsers and
//! bundlers, `init()` fetches the wasm), one `package.json` whose `exports` picks between them, and
//! `panel/`, the built admin panel that `pipedrive-webhooks serve` (the local companion) serves.

use crate::env::{cmd, exec, root, which};
use std::path::{Path, PathBuf};

/// The task `cargo xtask dist-js [--no-panel-build]`: builds the release panel with Trunk first, so
/// the package ships it, then the package. With `--no-panel-build` (or without trunk installed),
/// the package takes the panel already in `dist/`, if any.
pub fn task(args: &[String]) -> Result<(), String> {
    match args {
        [] if which("trunk").is_none() => println!("dist-js: trunk is not installed (cargo xtask setup): packaging the panel already in dist/, if any"),
        [] => exec(cmd("trunk").args(["build", "--release"]))?,
        [flag] if flag == "--no-panel-build" => {}
        _ => return Err(format!("usage: cargo xtask dist-js [--no-panel-build]; got {args:?}")),
    }
    build().map(|_| ())
}

/// The package's compiler flags (see [`build`]).
pub const JS_RUSTFLAGS: &str = "-C llvm-args=-inline-threshold=50";

/// Builds the package into `target/npm/pipedrive-webhooks`, with the panel built in `dist/` (by
/// `trunk build --release`, which this does not run) as `panel/` when `dist/index.html` exists.
pub fn build() -> Result<PathBuf, String> {
    let out = root().join("target/npm/pipedrive-webhooks");
    // Cargo.toml's `[profile.js]` with LLVM's inline threshold lowered to 50: the simulator's hot
    // path is marked `#[inline(always)]` where it matters, and everything else stops being inlined
    // copy by copy. Measured before the event catalog: 131.1 → 121.3 KB brotli, node/native
    // unchanged (0.55–0.69, target ≥ 0.5). Profiles cannot carry rustflags on stable, hence the
    // variable; it replaces `.cargo/config.toml`'s target flags, which only the panel needs.
    exec(cmd("cargo").env("RUSTFLAGS", JS_RUSTFLAGS).args([
        "build",
        "--profile",
        "js",
        "--target",
        "wasm32-unknown-unknown",
        "-p",
        "pipedrive-webhooks",
        "--lib",
        "--features",
        "js",
    ]))?;
    let wasm = root().join("target/wasm32-unknown-unknown/js/pipedrive_webhooks.wasm");
    let _ = std::fs::remove_dir_all(&out);
    for (target, dir) in [("nodejs", "node"), ("web", "web")] {
        let dest = out.join(dir);
        exec(cmd("wasm-bindgen")
            .args(["--target", target, "--out-dir"])
            .arg(&dest)
            .arg(&wasm))?;
        let bg = dest.join("pipedrive_webhooks_bg.wasm");
        exec(cmd("wasm-opt").args(["-O3", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "-o"]).arg(&bg).arg(&bg))?;
        // wasm-bindgen writes its own .gitignore and package.json stubs per target; ours is the package's.
        // `[Symbol.dispose]()` needs TypeScript's `esnext.disposable` lib: a strict consumer on
        // es2022 would fail to compile the package's own types. `free()` stays for manual release.
        let dts = dest.join("pipedrive_webhooks.d.ts");
        let text = std::fs::read_to_string(&dts).map_err(|e| format!("{}: {e}", dts.display()))?;
        // wasm-bindgen drops the `?` of an `Option` parameter given an explicit type: restore it
        // on the one exported constructor that takes an optional policy.
        const CTOR: &str = "constructor(companyId: number, policy: Partial<Policy>);";
        if !text.contains(CTOR) {
            return Err(format!("{}: the Account constructor's signature changed; update dist_js.rs", dts.display()));
        }
        let text = text.replace(CTOR, "constructor(companyId: number, policy?: Partial<Policy>);");
        std::fs::write(&dts, text.lines().filter(|l| l.trim() != "[Symbol.dispose](): void;").map(|l| format!("{l}\n")).collect::<String>())
            .map_err(|e| e.to_string())?;
        let _ = std::fs::remove_file(dest.join(".gitignore"));
        let _ = std::fs::remove_file(dest.join("package.json"));
    }
    // The web build is an ES module in `.js` files: say so, or node and TypeScript (nodenext) read
    // it, and its `.d.ts`, as CommonJS (then `init` is not callable).
    std::fs::write(out.join("web/package.json"), "{ \"type\": \"module\" }\n").map_err(|e| e.to_string())?;
    let copy = |from: &std::path::Path, to: &std::path::Path| std::fs::copy(from, to).map(|_| ()).map_err(|e| format!("{}: {e}", from.display()));
    for file in ["package.json", "README.md", "desired-webhooks.schema.json"] {
        copy(&root().join("core/js").join(file), &out.join(file))?;
    }
    // The JS edge (syncWebhooks, the CLI) and the entry points that add it to each build.
    for dir in ["lib", "bin"] {
        std::fs::create_dir_all(out.join(dir)).map_err(|e| e.to_string())?;
        for entry in std::fs::read_dir(root().join("core/js").join(dir)).map_err(|e| e.to_string())? {
            let path = entry.map_err(|e| e.to_string())?.path();
            copy(&path, &out.join(dir).join(path.file_name().expect("a file")))?;
        }
    }
    let entry = root().join("core/js/entry");
    copy(&entry.join("node-index.cjs"), &out.join("node/index.cjs"))?;
    copy(&entry.join("node-index.mjs"), &out.join("node/index.mjs"))?;
    copy(&entry.join("web-index.js"), &out.join("web/index.js"))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(out.join("bin/pipedrive-webhooks.mjs"), std::fs::Permissions::from_mode(0o755));
    }
    // The examples live inside the package, so `import … from "pipedrive-webhooks"` resolves
    // through the package's own exports map (self-reference), exactly as in a user's project.
    let examples = out.join("examples");
    std::fs::create_dir_all(&examples).map_err(|e| e.to_string())?;
    for entry in std::fs::read_dir(root().join("core/js/examples")).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        copy(&path, &examples.join(path.file_name().expect("a file")))?;
    }
    // The panel for `pipedrive-webhooks serve`, as Trunk built it.
    let dist = root().join("dist");
    let panel = if dist.join("index.html").is_file() {
        copy_dir(&dist, &out.join("panel"))?;
        "with the panel from dist/"
    } else {
        "without a panel (no dist/index.html: run `trunk build --release` first)"
    };
    println!("dist-js: package in {}, {panel}", out.display());
    Ok(out)
}

/// Copies a folder's files and subfolders (symbolic links are not followed: skipped).
fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|e| format!("{}: {e}", to.display()))?;
    for entry in std::fs::read_dir(from).map_err(|e| format!("{}: {e}", from.display()))? {
        let entry = entry.map_err(|e| e.to_string())?;
        let kind = entry.file_type().map_err(|e| e.to_string())?;
        let (src, dest) = (entry.path(), to.join(entry.file_name()));
        if kind.is_dir() {
            copy_dir(&src, &dest)?;
        } else if kind.is_file() {
            std::fs::copy(&src, &dest).map_err(|e| format!("{}: {e}", src.display()))?;
        }
    }
    Ok(())
}
