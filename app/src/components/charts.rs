//! Charts drawn as SVG by the server (no chart library reaches the browser): the runs of a
//! period stacked by outcome, and a sparkline. Each is an image with a title and a
//! description for assistive technology, plus a text equivalent (a summary line, and for
//! the runs chart a visually hidden table of its slots). Colours come from the stylesheet's
//! theme variables, so the charts follow light and dark. The geometry is pure and tested.

use leptos::prelude::*;

use crate::{
    format::{count, time_of_day},
    model::{
        dashboard::{OutcomeCounts, Period, RunSlot},
        runs::RunStatus,
    },
};

/// The runs chart's drawing area, in its own units (the SVG scales to its box).
const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 180.0;
/// Room for the count labels on the left and the time labels below.
const LEFT: f64 = 44.0;
const BOTTOM: f64 = 22.0;
const TOP: f64 = 8.0;
/// The share of a slot's width its bar takes.
const BAR_SHARE: f64 = 0.8;

/// The smallest of 1, 2, 5 × 10ⁿ that is at least `value` (at least 1): the top of an axis.
pub fn nice_ceiling(value: u64) -> u64 {
    let mut magnitude = 1_u64;
    loop {
        for step in [1, 2, 5] {
            if step * magnitude >= value {
                return step * magnitude;
            }
        }
        magnitude = magnitude.saturating_mul(10);
    }
}

/// One outcome's part of a bar.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    pub outcome: RunStatus,
    pub y: f64,
    pub height: f64,
}

/// One slot's bar: its outcomes stacked from the bottom, succeeded first.
#[derive(Clone, Debug, PartialEq)]
pub struct Bar {
    pub x: f64,
    pub width: f64,
    pub segments: Vec<Segment>,
}

/// The bars of `slots` in the box from (`left`, `top`) to (`right`, `bottom`), scaled so
/// that `top_count` runs reach the top. Empty outcomes have no segment.
pub fn stacked_bars(slots: &[RunSlot], top_count: u64, (left, top, right, bottom): (f64, f64, f64, f64)) -> Vec<Bar> {
    let slot_width = (right - left) / slots.len().max(1) as f64;
    let scale = (bottom - top) / top_count.max(1) as f64;
    slots
        .iter()
        .enumerate()
        .map(|(index, slot)| {
            let mut base = bottom;
            let segments = OutcomeCounts::OUTCOMES
                .into_iter()
                .filter_map(|outcome| {
                    let height = slot.runs.of(outcome) as f64 * scale;
                    base -= height;
                    (height > 0.0).then_some(Segment { outcome, y: base, height })
                })
                .collect();
            Bar { x: left + index as f64 * slot_width + slot_width * (1.0 - BAR_SHARE) / 2.0, width: slot_width * BAR_SHARE, segments }
        })
        .collect()
}

/// Where each of `points` sits when spread evenly across `width`, with 0 at the bottom of
/// `height` and the largest point at the top.
pub fn spark_positions(points: &[Option<f64>], width: f64, height: f64) -> Vec<Option<(f64, f64)>> {
    let top = points.iter().flatten().copied().fold(0.0_f64, f64::max);
    let step = if points.len() > 1 { width / (points.len() - 1) as f64 } else { 0.0 };
    let y = |value: f64| if top > 0.0 { height - value / top * height } else { height };
    points.iter().enumerate().map(|(index, point)| point.map(|value| (index as f64 * step, y(value)))).collect()
}

/// An SVG path through `positions`; a missing one leaves a gap, and a point alone is a dot
/// (a tiny stroke with round caps).
pub fn sparkline_path(positions: &[Option<(f64, f64)>]) -> String {
    let mut path = String::new();
    for (index, position) in positions.iter().enumerate() {
        let Some((x, y)) = position else { continue };
        let joined = index > 0 && positions[index - 1].is_some();
        path.push_str(&format!("{}{x:.1},{y:.1}", if joined { "L" } else { "M" }));
        let continues = positions.get(index + 1).is_some_and(Option::is_some);
        if !joined && !continues {
            path.push_str("h0.01");
        }
    }
    path
}

/// The outcome's CSS class and name in a legend.
fn outcome_name(outcome: RunStatus) -> &'static str {
    match outcome {
        RunStatus::Succeeded => "succeeded",
        RunStatus::Failed => "failed",
        RunStatus::Skipped => "skipped",
        RunStatus::Discarded => "discarded",
        RunStatus::Pending | RunStatus::Queued | RunStatus::Running => "other",
    }
}

/// `10 succeeded, 2 failed`: the outcomes that happened; `No runs` when none did.
pub fn outcome_parts(runs: &OutcomeCounts) -> String {
    let parts: Vec<String> = OutcomeCounts::OUTCOMES
        .into_iter()
        .filter(|outcome| runs.of(*outcome) > 0)
        .map(|outcome| format!("{} {}", count(runs.of(outcome)), outcome_name(outcome)))
        .collect();
    if parts.is_empty() { "No runs".to_string() } else { parts.join(", ") }
}

/// `12 runs: 10 succeeded, 2 failed`; outcomes that did not happen are left out.
pub fn outcome_summary(runs: &OutcomeCounts) -> String {
    match runs.total() {
        0 => "No runs".to_string(),
        total => format!("{} {}: {}", count(total), if total == 1 { "run" } else { "runs" }, outcome_parts(runs)),
    }
}

/// `14:05` of an RFC 3339 time.
fn hour_minute(rfc3339: &str) -> String {
    time_of_day(rfc3339).chars().take(5).collect()
}

/// The runs of a period as stacked bars by outcome, with its legend and text equivalent.
#[component]
pub fn RunsChart(
    /// Unique on the page: the chart's title and description are found by it.
    id: &'static str,
    /// What the chart shows, e.g. "Runs per minute, last hour".
    title: &'static str,
    period: Period,
) -> impl IntoView {
    let top_count = nice_ceiling(period.slots.iter().map(|slot| slot.runs.total()).max().unwrap_or_default());
    let (right, bottom) = (WIDTH - 4.0, HEIGHT - BOTTOM);
    let summary = format!("{}.", outcome_summary(&period.runs));
    let (slot_name, empty_slots) =
        if period.slot_minutes == 1 { ("minute".to_string(), "minutes") } else { (format!("{} minutes", period.slot_minutes), "slots") };
    let bars = stacked_bars(&period.slots, top_count, (LEFT, TOP, right, bottom))
        .into_iter()
        .zip(&period.slots)
        .filter(|(bar, _)| !bar.segments.is_empty())
        .map(|(bar, slot)| {
            let tip = format!("{} · {}", hour_minute(&slot.start), outcome_summary(&slot.runs));
            let rects = bar
                .segments
                .into_iter()
                .map(|segment| {
                    view! {
                        <rect
                            class=format!("chart-bar {}", outcome_name(segment.outcome))
                            x=format!("{:.2}", bar.x)
                            y=format!("{:.2}", segment.y)
                            width=format!("{:.2}", bar.width)
                            height=format!("{:.2}", segment.height)
                        />
                    }
                })
                .collect_view();
            view! {
                <g>
                    <title>{tip}</title>
                    {rects}
                </g>
            }
        })
        .collect_view();
    let first = period.slots.first().map(|slot| hour_minute(&slot.start)).unwrap_or_default();
    let middle = period.slots.get(period.slots.len() / 2).map(|slot| hour_minute(&slot.start)).unwrap_or_default();
    let middle_x = LEFT + (right - LEFT) / 2.0;
    let rows = period
        .slots
        .iter()
        .filter(|slot| slot.runs.total() > 0)
        .map(|slot| {
            view! {
                <tr>
                    <th scope="row">{hour_minute(&slot.start)}</th>
                    <td>{slot.runs.succeeded}</td>
                    <td>{slot.runs.failed}</td>
                    <td>{slot.runs.skipped}</td>
                    <td>{slot.runs.discarded}</td>
                </tr>
            }
        })
        .collect_view();
    let legend = OutcomeCounts::OUTCOMES
        .into_iter()
        .map(|outcome| {
            view! {
                <li>
                    <span class=format!("legend-swatch {}", outcome_name(outcome)) aria-hidden="true"></span>
                    {outcome_name(outcome)}
                </li>
            }
        })
        .collect_view();
    let (title_id, desc_id) = (format!("{id}-title"), format!("{id}-desc"));
    let labelled_by = format!("{title_id} {desc_id}");
    view! {
        <figure class="chart" id=id>
            <h3 class="chart-title">{title}</h3>
            <svg
                class="runs-chart"
                viewBox=format!("0 0 {WIDTH} {HEIGHT}")
                role="img"
                aria-labelledby=labelled_by
            >
                <title id=title_id>{title}</title>
                <desc id=desc_id>{format!("One bar per {slot_name} (UTC), stacked by outcome. {summary}")}</desc>
                <line class="chart-axis" x1=LEFT y1=bottom x2=right y2=bottom />
                <line class="chart-grid" x1=LEFT y1=TOP x2=right y2=TOP />
                <line class="chart-grid" x1=LEFT y1=(TOP + bottom) / 2.0 x2=right y2=(TOP + bottom) / 2.0 />
                <text class="chart-label" x=LEFT - 6.0 y=TOP + 4.0 text-anchor="end">{count(top_count)}</text>
                <text class="chart-label" x=LEFT - 6.0 y=(TOP + bottom) / 2.0 + 4.0 text-anchor="end">{count(top_count / 2)}</text>
                <text class="chart-label" x=LEFT - 6.0 y=bottom + 4.0 text-anchor="end">"0"</text>
                <text class="chart-label" x=LEFT y=HEIGHT - 6.0>{format!("{first} UTC")}</text>
                <text class="chart-label" x=middle_x y=HEIGHT - 6.0 text-anchor="middle">{middle}</text>
                <text class="chart-label" x=right y=HEIGHT - 6.0 text-anchor="end">"now"</text>
                {bars}
            </svg>
            <figcaption>
                <ul class="legend" aria-hidden="true">{legend}</ul>
                <p class="chart-summary">{summary}</p>
            </figcaption>
            <div class="visually-hidden">
                <table>
                    <caption>{format!("{title}: runs per {slot_name} by outcome (UTC); {empty_slots} without runs are left out.")}</caption>
                    <thead>
                        <tr>
                            <th scope="col">"From"</th>
                            <th scope="col">"Succeeded"</th>
                            <th scope="col">"Failed"</th>
                            <th scope="col">"Skipped"</th>
                            <th scope="col">"Discarded"</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </figure>
    }
}

/// A sparkline's drawing area, in its own units.
const SPARK_WIDTH: f64 = 116.0;
const SPARK_HEIGHT: f64 = 24.0;

/// A small line of `points` (e.g. a latency per hour), `None` where there is nothing to
/// draw, with a dot on the latest point.
#[component]
pub fn Sparkline(
    /// What the line shows, for assistive technology and as its tooltip.
    #[prop(into)]
    label: String,
    points: Vec<Option<f64>>,
) -> impl IntoView {
    let positions = spark_positions(&points, SPARK_WIDTH, SPARK_HEIGHT);
    let latest = positions
        .iter()
        .rev()
        .flatten()
        .next()
        .map(|(x, y)| view! { <circle class="sparkline-dot" cx=format!("{x:.1}") cy=format!("{y:.1}") r="2.5" /> });
    let tooltip = label.clone();
    view! {
        <svg class="sparkline" viewBox=format!("-3 -3 {} {}", SPARK_WIDTH + 6.0, SPARK_HEIGHT + 6.0) role="img" aria-label=label>
            <title>{tooltip}</title>
            <line class="chart-axis" x1="0" y1=SPARK_HEIGHT x2=SPARK_WIDTH y2=SPARK_HEIGHT />
            <path class="sparkline-line" d=sparkline_path(&positions) />
            {latest}
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(succeeded: u64, failed: u64) -> RunSlot {
        RunSlot { start: "2026-11-28T21:19:00.000Z".into(), runs: OutcomeCounts { succeeded, failed, ..Default::default() } }
    }

    #[test]
    fn axes_end_on_a_round_number() {
        assert_eq!([0, 1, 2, 3, 7, 10, 12, 250, 999, 1_001].map(nice_ceiling), [1, 1, 2, 5, 10, 10, 20, 500, 1_000, 2_000]);
    }

    /// A bar as drawn: its x and width, and each segment's outcome, y and height, to 0.01.
    fn drawn(bar: &Bar) -> (String, String, Vec<(RunStatus, String, String)>) {
        let at = |value: f64| format!("{value:.2}");
        (at(bar.x), at(bar.width), bar.segments.iter().map(|segment| (segment.outcome, at(segment.y), at(segment.height))).collect())
    }

    #[test]
    fn bars_stack_outcomes_from_the_bottom_scaled_to_the_top() {
        let bars = stacked_bars(&[slot(3, 1), slot(0, 0), slot(10, 0)], 10, (0.0, 0.0, 300.0, 100.0));
        let bars: Vec<_> = bars.iter().map(drawn).collect();
        let text = |value: &str| value.to_string();
        assert_eq!(
            bars,
            [
                (
                    text("10.00"),
                    text("80.00"),
                    vec![(RunStatus::Succeeded, text("70.00"), text("30.00")), (RunStatus::Failed, text("60.00"), text("10.00"))]
                ),
                // An empty slot draws nothing.
                (text("110.00"), text("80.00"), vec![]),
                (text("210.00"), text("80.00"), vec![(RunStatus::Succeeded, text("0.00"), text("100.00"))]),
            ]
        );
    }

    #[test]
    fn sparklines_scale_to_their_largest_point_and_leave_gaps() {
        let line = |points: &[Option<f64>], width, height| sparkline_path(&spark_positions(points, width, height));
        assert_eq!(line(&[Some(0.0), Some(50.0), Some(100.0)], 100.0, 20.0), "M0.0,20.0L50.0,10.0L100.0,0.0");
        assert_eq!(line(&[Some(10.0), None, Some(5.0), Some(10.0)], 30.0, 10.0), "M0.0,0.0h0.01M20.0,5.0L30.0,0.0");
        assert_eq!(line(&[None, None], 30.0, 10.0), "");
        assert_eq!(line(&[Some(0.0)], 30.0, 10.0), "M0.0,10.0h0.01");
        assert_eq!(spark_positions(&[None, Some(4.0), None], 30.0, 10.0), [None, Some((15.0, 0.0)), None]);
    }

    #[test]
    fn summaries_name_only_outcomes_that_happened() {
        assert_eq!(outcome_summary(&OutcomeCounts::default()), "No runs");
        assert_eq!(outcome_summary(&slot(1, 0).runs), "1 run: 1 succeeded");
        let mixed = OutcomeCounts { succeeded: 1_200, failed: 3, skipped: 0, discarded: 2 };
        assert_eq!(outcome_summary(&mixed), "1,205 runs: 1,200 succeeded, 3 failed, 2 discarded");
        assert_eq!(outcome_parts(&mixed), "1,200 succeeded, 3 failed, 2 discarded");
        assert_eq!(outcome_parts(&OutcomeCounts::default()), "No runs");
    }
}
