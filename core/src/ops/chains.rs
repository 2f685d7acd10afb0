//! Flows starting flows: a flow (or a script) can start another run through an alert it
//! creates or a call into Outflow, and that run can do the same. Every alert and flow run
//! records its depth in such a chain (0 when a person started it); past [`MAX_CHAIN_DEPTH`],
//! or when one flow has started more than [`CHAINED_RUNS_PER_MINUTE`] chained runs in the last
//! minute, the next run is refused with the reason recorded on it. The per-alert limit of
//! the dispatcher (`store::flow_runs::RUNS_PER_ALERT`) bounds loops within one alert.

/// Deepest chain of flows starting flows.
pub const MAX_CHAIN_DEPTH: i64 = 8;
/// Most chained runs (depth above 0) one flow may start in a minute.
pub const CHAINED_RUNS_PER_MINUTE: i64 = 120;
/// The window [`CHAINED_RUNS_PER_MINUTE`] counts over.
pub const CHAIN_WINDOW_MS: i64 = 60_000;

/// The chain depth of what a principal's action starts: one deeper than the script or flow
/// acting, 0 for a person.
pub fn depth_after(acting_depth: Option<i64>) -> i64 {
    acting_depth.map_or(0, |depth| depth + 1)
}

/// Why a run at `depth`, of a flow that started `recent_chained` chained runs in the last
/// minute, may not start; `None` when it may.
pub fn refusal(depth: i64, recent_chained: i64) -> Option<String> {
    if depth > MAX_CHAIN_DEPTH {
        return Some(format!(
            "Refused: this run would be number {} in a chain of flows and scripts starting each other (through alerts they create or calls into Outflow); at most {MAX_CHAIN_DEPTH} may follow the first.",
            depth + 1
        ));
    }
    (depth > 0 && recent_chained >= CHAINED_RUNS_PER_MINUTE).then(|| {
        format!("Refused: this flow was already started {recent_chained} times in the last minute by other flows and scripts; at most {CHAINED_RUNS_PER_MINUTE} a minute.")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chains_are_bounded_in_depth_and_rate() {
        assert_eq!(depth_after(None), 0);
        assert_eq!(depth_after(Some(2)), 3);
        assert_eq!(refusal(0, 10_000), None, "people are never refused by the rate of chains");
        assert_eq!(refusal(MAX_CHAIN_DEPTH, 0), None);
        assert!(refusal(MAX_CHAIN_DEPTH + 1, 0).is_some_and(|reason| reason.contains("number 10 in a chain")));
        assert!(refusal(1, CHAINED_RUNS_PER_MINUTE).is_some_and(|reason| reason.contains("120 times in the last minute")));
        assert_eq!(refusal(1, CHAINED_RUNS_PER_MINUTE - 1), None);
    }
}
