//! One page per route.

pub mod check;
pub mod connections;
pub mod deliveries;
pub mod detail;
pub mod events;
pub mod new_webhook;
pub mod rules;
pub mod sandbox_tools;
pub mod simulator;
pub mod sync;
pub mod webhooks;
