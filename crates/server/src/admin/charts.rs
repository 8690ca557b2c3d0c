//! Bar charts drawn on the server as SVG: no script, nothing for the CSP to allow, readable
//! with assistive technology through each bar's `<title>`.

use serde::Serialize;

/// A chart ready for the template.
#[derive(Debug, Serialize)]
pub struct BarChart {
    /// SVG width in user units.
    pub width: u32,
    /// SVG height in user units.
    pub height: u32,
    /// Baseline y.
    pub base: u32,
    /// The bars, left to right.
    pub bars: Vec<Bar>,
    /// Horizontal guide lines with their values.
    pub ticks: Vec<Tick>,
    /// Every n-th label under the axis.
    pub labels: Vec<Label>,
    /// The biggest value.
    pub max: u64,
    /// The sum of all values.
    pub total: u64,
}

/// One bar.
#[derive(Debug, Serialize)]
pub struct Bar {
    /// Left edge.
    pub x: f32,
    /// Top edge.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height (at least 1 for a non-zero value, so it shows).
    pub h: f32,
    /// The value.
    pub value: u64,
    /// What it counts, e.g. `14:00`.
    pub label: String,
}

/// A guide line.
#[derive(Debug, Serialize)]
pub struct Tick {
    /// Its y.
    pub y: f32,
    /// Its value.
    pub value: u64,
}

/// A label under the axis.
#[derive(Debug, Serialize)]
pub struct Label {
    /// Centre x.
    pub x: f32,
    /// Text.
    pub text: String,
}

const LEFT: f32 = 36.0;
const TOP: f32 = 8.0;
const BOTTOM: u32 = 22;

/// Lays out `values` (label, value) as bars in a `width`×`height` box, labelling about
/// `label_count` of them.
pub fn bars(values: &[(String, u64)], width: u32, height: u32, label_count: usize) -> BarChart {
    let base = height.saturating_sub(BOTTOM);
    let plot_h = base as f32 - TOP;
    let max = values.iter().map(|(_, v)| *v).max().unwrap_or(0);
    let top = nice_ceiling(max);
    let n = values.len().max(1) as f32;
    let slot = (width as f32 - LEFT) / n;
    let scale = |v: u64| v as f32 / top as f32 * plot_h;
    let bars = values
        .iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let h = if *v == 0 { 0.0 } else { scale(*v).max(1.0) };
            Bar {
                x: LEFT + i as f32 * slot + slot * 0.1,
                y: base as f32 - h,
                w: slot * 0.8,
                h,
                value: *v,
                label: label.clone(),
            }
        })
        .collect();
    let ticks = [0, top / 2, top]
        .into_iter()
        .map(|v| Tick {
            y: base as f32 - scale(v),
            value: v,
        })
        .collect();
    let every = values.len().div_ceil(label_count.max(1)).max(1);
    let labels = values
        .iter()
        .enumerate()
        .filter(|(i, _)| i % every == 0)
        .map(|(i, (label, _))| Label {
            x: LEFT + (i as f32 + 0.5) * slot,
            text: label.clone(),
        })
        .collect();
    BarChart {
        width,
        height,
        base,
        bars,
        ticks,
        labels,
        max,
        total: values.iter().map(|(_, v)| *v).sum(),
    }
}

/// The smallest even number ≥ `max` (at least 2), so the middle guide line is a whole number.
fn nice_ceiling(max: u64) -> u64 {
    let m = max.max(2);
    m + m % 2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_to_the_biggest_value() {
        let values: Vec<(String, u64)> = (0..24).map(|h| (format!("{h:02}:00"), h)).collect();
        let c = bars(&values, 600, 200, 6);
        assert_eq!(c.bars.len(), 24);
        assert_eq!(c.max, 23);
        assert_eq!(c.total, (0..24).sum::<u64>());
        let tallest = &c.bars[23];
        // 23 of a 24 scale fills nearly the whole plot height.
        assert!((tallest.h - (200.0 - 22.0 - 8.0) * 23.0 / 24.0).abs() < 0.01);
        assert_eq!(c.bars[0].h, 0.0, "zero stays empty");
        assert!(c.bars[1].h >= 1.0, "small values still show");
        assert!(c.bars.windows(2).all(|w| w[0].x < w[1].x));
        assert!(c.bars.iter().all(|b| b.x + b.w <= 600.0 && b.y >= 0.0));
        assert_eq!(c.labels.len(), 6);
        assert_eq!(c.ticks.last().map(|t| t.value), Some(24));
    }

    #[test]
    fn an_empty_chart_draws_nothing_tall() {
        let c = bars(&[], 300, 100, 4);
        assert!(c.bars.is_empty() && c.max == 0 && c.total == 0);
        let c = bars(&[("a".into(), 0), ("b".into(), 0)], 300, 100, 4);
        assert!(c.bars.iter().all(|b| b.h == 0.0));
    }
}
