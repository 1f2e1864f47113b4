//! Charts drawn on the server as SVG with plotters, so they need no JavaScript. Every chart
//! also has its figures in a table next to it, for screen readers and for copying.

use homeward_app::linkage::estimate::EstimateLine;
use homeward_app::reports::AccessPoint;
use plotters::prelude::*;

use crate::i18n::Lang;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 300;

/// The access gap over time: persons seen in visits and, of them, overdue, per month.
pub fn access_chart(lang: Lang, points: &[AccessPoint]) -> String {
    let mut svg = String::new();
    if draw_access(lang, points, &mut svg).is_err() {
        // A chart is a convenience; its table carries the same figures.
        return String::new();
    }
    responsive(&svg, &lang.t("access-chart-title"))
}

fn draw_access(
    lang: Lang,
    points: &[AccessPoint],
    out: &mut String,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(out, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let n = points.len().max(1);
    let top = points
        .iter()
        .map(|p| p.totals.persons)
        .max()
        .unwrap_or(0)
        .max(1);
    let top = top + top / 10 + 1;
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(48)
        .build_cartesian_2d(0..n.saturating_sub(1).max(1), 0..top)?;
    let labels: Vec<String> = points.iter().map(|p| lang.date(&p.as_of)).collect();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_labels(6)
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(225, 225, 225))
        .x_labels(n.min(6))
        .x_label_formatter(&|i| labels.get(*i).cloned().unwrap_or_default())
        .y_label_formatter(&|v| lang.num(i64::try_from(*v).unwrap_or(i64::MAX)))
        .label_style(("sans-serif", 13).into_font().color(&RGBColor(40, 40, 40)))
        .draw()?;
    let seen = RGBColor(11, 79, 138);
    let overdue = RGBColor(176, 58, 0);
    chart
        .draw_series(LineSeries::new(
            points
                .iter()
                .enumerate()
                .map(|(i, p)| (i, p.totals.persons)),
            seen.stroke_width(3),
        ))?
        .label(lang.t("access-seen"))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], seen.stroke_width(3)));
    chart
        .draw_series(LineSeries::new(
            points
                .iter()
                .enumerate()
                .map(|(i, p)| (i, p.totals.overdue)),
            overdue.stroke_width(3),
        ))?
        .label(lang.t("access-overdue"))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], overdue.stroke_width(3)));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(180, 180, 180))
        .label_font(("sans-serif", 13))
        .draw()?;
    root.present()?;
    Ok(())
}

/// The estimated total by each estimator: its point and interval on one horizontal line,
/// beside a vertical line at the number observed.
pub fn estimate_chart(lang: Lang, lines: &[EstimateLine]) -> String {
    let lines: Vec<&EstimateLine> = lines
        .iter()
        .filter(|e| e.estimate.is_finite() && e.lower.is_finite() && e.upper.is_finite())
        .collect();
    if lines.is_empty() {
        return String::new();
    }
    let mut svg = String::new();
    if draw_estimate(lang, &lines, &mut svg).is_err() {
        return String::new();
    }
    responsive(&svg, &lang.t("estimate-chart-title"))
}

fn draw_estimate(
    lang: Lang,
    lines: &[&EstimateLine],
    out: &mut String,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(out, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE)?;
    let observed = lines.first().map_or(0.0, |e| e.observed as f64);
    let lo = lines
        .iter()
        .map(|e| e.lower)
        .fold(observed, f64::min)
        .max(0.0);
    let hi = lines.iter().map(|e| e.upper).fold(observed, f64::max);
    let pad = ((hi - lo) * 0.08).max(1.0);
    let (x0, x1) = ((lo - pad).max(0.0), hi + pad);
    let n = lines.len();
    let names: Vec<String> = lines
        .iter()
        .map(|e| lang.t(&format!("method-{}", e.method)))
        .collect();
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(32)
        .y_label_area_size(150)
        .build_cartesian_2d(x0..x1, -0.5f64..(n as f64 - 0.5))?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(RGBColor(225, 225, 225))
        .x_labels(6)
        .y_labels(n)
        .x_label_formatter(&|v| lang.num(v.round() as i64))
        .y_label_formatter(&|v| {
            let i = v.round();
            if (v - i).abs() < 0.01 && i >= 0.0 {
                names.get(i as usize).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        })
        .label_style(("sans-serif", 13).into_font().color(&RGBColor(40, 40, 40)))
        .draw()?;
    let seen = RGBColor(176, 58, 0);
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(observed, -0.5), (observed, n as f64 - 0.5)],
            seen.stroke_width(2),
        )))?
        .label(lang.t("estimate-observed"))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], seen.stroke_width(2)));
    let ink = RGBColor(11, 79, 138);
    chart
        .draw_series(lines.iter().enumerate().map(|(i, e)| {
            PathElement::new(
                vec![(e.lower, i as f64), (e.upper, i as f64)],
                ink.stroke_width(3),
            )
        }))?
        .label(lang.t("estimate-interval"))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], ink.stroke_width(3)));
    chart.draw_series(
        lines
            .iter()
            .enumerate()
            .map(|(i, e)| Circle::new((e.estimate, i as f64), 6, ink.filled())),
    )?;
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(RGBColor(180, 180, 180))
        .label_font(("sans-serif", 13))
        .draw()?;
    root.present()?;
    Ok(())
}

/// Makes a fixed-size SVG scale with its container and names it for assistive technology.
fn responsive(svg: &str, title: &str) -> String {
    let head = format!("<svg width=\"{WIDTH}\" height=\"{HEIGHT}\"");
    let Some(rest) = svg.strip_prefix(&head) else {
        return svg.to_owned();
    };
    let title = title
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    // plotters writes the viewBox itself; width and height go so that CSS can scale it.
    format!("<svg role=\"img\" aria-label=\"{title}\" preserveAspectRatio=\"xMidYMid meet\"{rest}")
}
