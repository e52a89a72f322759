//! Timers owned by the component that starts them: cancelled when it goes away.
//!
//! Why not Leptos's `set_interval_with_handle`: its handle keeps the browser's timer id as an
//! `i32`. Playwright's fake clock (`page.clock`) numbers timers from 10^12, so that id wrapped,
//! `clearInterval` missed, and a page's interval kept firing after the page was gone; reading the
//! page's disposed signals then panicked (`RuntimeError: unreachable` in the release wasm).
//! gloo-timers keeps the id as the `JsValue` the browser gave, and cancels on drop; the timer is
//! kept in the owner's arena, so disposing the page drops it.

use gloo_timers::callback::{Interval, Timeout};
use leptos::prelude::*;

/// Runs `f` every `period_ms` while the current component lives.
pub fn every(period_ms: u32, f: impl FnMut() + 'static) {
    StoredValue::new_local(Interval::new(period_ms, f));
}

/// A one-shot timer slot owned by the current component: [`Debounce::set`] replaces (and so
/// cancels) the pending run; the component going away cancels it too.
#[derive(Clone, Copy)]
pub struct Debounce(StoredValue<Option<Timeout>, LocalStorage>);

impl Debounce {
    pub fn new() -> Self {
        Debounce(StoredValue::new_local(None))
    }

    /// Runs `f` after `delay_ms`, unless `set` is called again first.
    pub fn set(&self, delay_ms: u32, f: impl FnOnce() + 'static) {
        self.0.set_value(Some(Timeout::new(delay_ms, f)));
    }
}
