//! Trunk's entry point: mounts the panel on `<body>`.

fn main() {
    leptos::mount::mount_to_body(pipedrive_webhooks_web::App);
}
