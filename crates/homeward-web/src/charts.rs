//! Charts drawn on the server as SVG with plotters, so they need no JavaScript. Every chart
//! also has its figures in a table next to it, for screen readers and for copying.

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
