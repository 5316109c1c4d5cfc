//! Charts as inline SVG, drawn here (no scripts, no fonts or files to
//! fetch): vertical bars (counts over time, inter-arrival histograms),
//! horizontal bars (top talkers) and a dot timeline (notices by type).

use std::fmt::Write;

const WIDTH: f64 = 760.0;
const LEFT: f64 = 60.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 34.0;
/// Colours of the lanes of the timeline, in turn.
const PALETTE: [&str; 6] = [
    "#d9480f", "#1864ab", "#2b8a3e", "#862e9c", "#e67700", "#0b7285",
];

/// Text safe inside SVG/HTML elements and attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => {}
            c => out.push(c),
        }
    }
    out
}

/// An `<svg>` element of the given height with a title for screen readers.
fn open(out: &mut String, id: &str, class: &str, height: f64, title: &str) {
    let _ = write!(
        out,
        r#"<svg id="{}" class="chart {class}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" role="img"><title>{}</title>"#,
        escape(id),
        escape(title)
    );
    let _ = write!(
        out,
        r##"<rect x="0" y="0" width="{WIDTH}" height="{height}" fill="#ffffff"/>"##
    );
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, s: &str) {
    let _ = write!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" text-anchor="{anchor}" class="label">{}</text>"#,
        escape(s)
    );
}

/// Axis lines along the left and bottom of the plot area.
fn axes(out: &mut String, height: f64) {
    let _ = write!(
        out,
        r##"<path d="M{LEFT} {TOP} V{} H{}" fill="none" stroke="#495057" stroke-width="1"/>"##,
        height - BOTTOM,
        WIDTH - RIGHT
    );
}

/// Vertical bars of `counts`, labelled by `x_labels` (left, right) under
/// the axis and the largest count on the y axis.
pub fn bars(id: &str, title: &str, counts: &[u64], x_labels: (&str, &str)) -> String {
    const HEIGHT: f64 = 220.0;
    let mut out = String::new();
    open(&mut out, id, "bars", HEIGHT, title);
    axes(&mut out, HEIGHT);
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let step = plot_w / counts.len().max(1) as f64;
    for (i, &c) in counts.iter().enumerate() {
        if c == 0 {
            continue;
        }
        let h = (c as f64 / max as f64 * plot_h).max(1.0);
        let _ = write!(
            out,
            r##"<rect class="bar" x="{:.2}" y="{:.2}" width="{:.2}" height="{h:.2}" fill="#1864ab"><title>{c}</title></rect>"##,
            LEFT + i as f64 * step,
            HEIGHT - BOTTOM - h,
            (step * 0.9).max(0.5)
        );
    }
    text(&mut out, LEFT - 6.0, TOP + 10.0, "end", &max.to_string());
    text(&mut out, LEFT - 6.0, HEIGHT - BOTTOM, "end", "0");
    text(&mut out, LEFT, HEIGHT - 12.0, "start", x_labels.0);
    text(&mut out, WIDTH - RIGHT, HEIGHT - 12.0, "end", x_labels.1);
    out.push_str("</svg>");
    out
}

/// Horizontal bars: one row per (label, value), values shown by `show`.
pub fn hbars(id: &str, title: &str, items: &[(String, u64)], show: fn(u64) -> String) -> String {
    const ROW: f64 = 24.0;
    const LABELS: f64 = 230.0;
    let height = TOP + ROW * items.len().max(1) as f64 + 10.0;
    let mut out = String::new();
    open(&mut out, id, "hbars", height, title);
    let max = items.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let room = WIDTH - LABELS - RIGHT - 90.0;
    for (i, (label, v)) in items.iter().enumerate() {
        let y = TOP + i as f64 * ROW;
        let w = (*v as f64 / max as f64 * room).max(1.0);
        text(&mut out, LABELS - 8.0, y + 15.0, "end", label);
        let _ = write!(
            out,
            r##"<rect class="bar" x="{LABELS}" y="{y:.1}" width="{w:.2}" height="{:.1}" fill="#2b8a3e"/>"##,
            ROW - 6.0
        );
        text(&mut out, LABELS + w + 6.0, y + 15.0, "start", &show(*v));
    }
    out.push_str("</svg>");
    out
}

/// One lane per label; a dot per time in `[start, end]`.
pub fn timeline(
    id: &str,
    title: &str,
    lanes: &[(String, Vec<f64>)],
    span: (f64, f64),
    x_labels: (&str, &str),
) -> String {
    const LANE: f64 = 26.0;
    const LABELS: f64 = 250.0;
    let height = TOP + LANE * lanes.len().max(1) as f64 + BOTTOM;
    let mut out = String::new();
    open(&mut out, id, "timeline", height, title);
    let (start, end) = span;
    let plot_w = WIDTH - LABELS - RIGHT;
    let x_of = |t: f64| {
        let frac = if end > start {
            (t - start) / (end - start)
        } else {
            0.5
        };
        LABELS + frac.clamp(0.0, 1.0) * plot_w
    };
    for (i, (label, times)) in lanes.iter().enumerate() {
        let y = TOP + i as f64 * LANE + LANE / 2.0;
        let colour = PALETTE[i % PALETTE.len()];
        text(&mut out, LABELS - 8.0, y + 4.0, "end", label);
        let _ = write!(
            out,
            r##"<line x1="{LABELS}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#dee2e6"/>"##,
            WIDTH - RIGHT
        );
        for &t in times {
            let _ = write!(
                out,
                r#"<circle class="dot" cx="{:.2}" cy="{y:.1}" r="4" fill="{colour}" fill-opacity="0.7"/>"#,
                x_of(t)
            );
        }
    }
    text(&mut out, LABELS, height - 12.0, "start", x_labels.0);
    text(&mut out, WIDTH - RIGHT, height - 12.0, "end", x_labels.1);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped_and_bars_drawn() {
        let svg = bars("c<1>", "t & u", &[1, 0, 3], ("a<b", "c"));
        assert!(svg.starts_with(r#"<svg id="c&lt;1&gt;""#), "{svg}");
        assert!(svg.contains("<title>t &amp; u</title>"));
        assert_eq!(svg.matches(r#"class="bar""#).count(), 2);
        assert!(svg.contains(">a&lt;b</text>"));
        assert!(svg.ends_with("</svg>"));
    }

    #[test]
    fn timeline_dots_stay_in_the_plot() {
        let svg = timeline(
            "t",
            "t",
            &[("A".into(), vec![0.0, 5.0, 99.0])],
            (0.0, 10.0),
            ("", ""),
        );
        assert_eq!(svg.matches("<circle").count(), 3);
        assert!(svg.contains(&format!(r#"cx="{:.2}""#, WIDTH - RIGHT)));
    }
}
