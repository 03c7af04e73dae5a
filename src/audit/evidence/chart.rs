//! A timeline as an inline SVG bar chart: decisions per bucket, with the denied part in red. No
//! script and no external resource; each bar has a `<title>` (the browser shows it on hover).

use super::Timeline;
use crate::report::html::escape;
use std::fmt::Write as _;

const DECISIONS: &str = "#8cb4e0";
const DENIED: &str = "#cf222e";

/// The chart, `width` × `height` pixels; `label` describes it to screen readers.
pub fn svg(timeline: &Timeline, width: u32, height: u32, label: &str) -> String {
    let (left, right, top, bottom) = (48.0, 10.0, 22.0, 22.0);
    let (w, h) = (f64::from(width), f64::from(height));
    let (plot_w, plot_h) = (w - left - right, h - top - bottom);
    let max = timeline.points.iter().map(|p| p.decisions).max().unwrap_or(0);
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{}\">\n",
        escape(label)
    );
    let _ = writeln!(
        out,
        "<rect x=\"{left}\" y=\"{top}\" width=\"{plot_w}\" height=\"{plot_h}\" fill=\"#f6f8fa\"/>"
    );
    // Legend.
    let _ = writeln!(
        out,
        "<rect x=\"{left}\" y=\"5\" width=\"10\" height=\"10\" fill=\"{DECISIONS}\"/><text x=\"{}\" y=\"14\">decisions</text>\
         <rect x=\"{}\" y=\"5\" width=\"10\" height=\"10\" fill=\"{DENIED}\"/><text x=\"{}\" y=\"14\">denied</text>\
         <text x=\"{}\" y=\"14\" text-anchor=\"end\" fill=\"#656d76\">per {}</text>",
        left + 14.0,
        left + 86.0,
        left + 100.0,
        w - right,
        escape(&timeline.bucket)
    );
    if max == 0 || timeline.points.is_empty() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#656d76\">no decision in the period</text>\n</svg>",
            left + plot_w / 2.0,
            top + plot_h / 2.0
        );
        return out;
    }
    // Y axis: 0, half and the maximum, with grid lines.
    for (value, y) in [
        (0, top + plot_h),
        (max / 2, top + plot_h - plot_h * (max / 2) as f64 / max as f64),
        (max, top),
    ] {
        let _ = writeln!(
            out,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#d0d7de\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{value}</text>",
            w - right,
            left - 6.0,
            y + 4.0
        );
    }
    let n = timeline.points.len() as f64;
    let slot = plot_w / n;
    let bar = (slot * 0.8).max(1.0);
    for (i, p) in timeline.points.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let hd = plot_h * p.decisions as f64 / max as f64;
        let hr = plot_h * p.denied as f64 / max as f64;
        let _ = write!(
            out,
            "<g><title>{}: {} decisions, {} denied</title><rect x=\"{x:.2}\" y=\"{:.2}\" width=\"{bar:.2}\" height=\"{hd:.2}\" fill=\"{DECISIONS}\"/>",
            escape(&p.start),
            p.decisions,
            p.denied,
            top + plot_h - hd
        );
        if p.denied > 0 {
            let _ = write!(
                out,
                "<rect x=\"{x:.2}\" y=\"{:.2}\" width=\"{bar:.2}\" height=\"{hr:.2}\" fill=\"{DENIED}\"/>",
                top + plot_h - hr
            );
        }
        out.push_str("</g>\n");
    }
    // X axis: the first, middle and last bucket.
    let mut ticks = vec![0, timeline.points.len() - 1];
    if timeline.points.len() > 4 {
        ticks.insert(1, timeline.points.len() / 2);
    }
    ticks.dedup();
    for (k, i) in ticks.iter().enumerate() {
        let x = left + slot * (*i as f64 + 0.5);
        let anchor = match k {
            0 if ticks.len() > 1 => "start",
            k if k == ticks.len() - 1 && ticks.len() > 1 => "end",
            _ => "middle",
        };
        let x = match anchor {
            "start" => x - slot / 2.0,
            "end" => x + slot / 2.0,
            _ => x,
        };
        let _ = writeln!(
            out,
            "<text x=\"{x:.1}\" y=\"{}\" text-anchor=\"{anchor}\">{}</text>",
            h - 6.0,
            escape(&timeline.points[*i].start)
        );
    }
    out.push_str("</svg>\n");
    out
}
