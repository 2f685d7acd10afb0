//! Keeps a page live: re-reads its data on a timer while the page is open in a browser.

use std::time::Duration;

use leptos::prelude::*;

/// How often live pages (alert list, alert timeline) ask for news.
pub const LIVE_REFRESH: Duration = Duration::from_millis(2500);

/// Calls `refresh` every `period` from hydration until the calling component goes away.
/// Effects never run on the server, so server rendering does not start a timer.
pub fn refresh_every(period: Duration, refresh: impl Fn() + Clone + 'static) {
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(refresh.clone(), period) {
            on_cleanup(move || handle.clear());
        }
    });
}
