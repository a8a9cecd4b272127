//! The look shared by every chart: the bundled font, sizes for a 1600x900 slide, posture colours,
//! calendar month labels and the footer that says where the figures come from.

use std::sync::OnceLock;

use super::backend::Backend;
use crate::error::{Error, Result};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::Pos;
use plotters::style::FontStyle;

use crate::model::{Model, YearMonth};
use crate::stats::estimates::headline_months;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

pub const WIDTH: u32 = 1600;
pub const HEIGHT: u32 = 900;
pub const FOOTER_HEIGHT: u32 = 44;

pub const FONT: &str = "sans-serif";
pub const TITLE_SIZE: u32 = 40;
pub const AXIS_TITLE_SIZE: u32 = 28;
pub const TICK_SIZE: u32 = 24;
pub const LEGEND_SIZE: u32 = 26;
pub const LABEL_SIZE: u32 = 22;
pub const FOOTER_SIZE: u32 = 19;

/// A title that fits on one line of `area`, measured in the bundled font: at [`TITLE_SIZE`], or
/// smaller down to a floor, and past that cut short with an ellipsis (a long `--given`
/// condition), so no title runs off either edge.
pub fn fitted_title<DB: Backend>(area: &DrawingArea<DB, Shift>, title: &str) -> (String, u32) {
    let room = area.dim_in_pixel().0.saturating_sub(2 * 28);
    let width = |text: &str, size: u32| {
        area.estimate_text_size(text, &(FONT, size).into_text_style(area))
            .map_or(u32::MAX, |(width, _)| width)
    };
    let floor = AXIS_TITLE_SIZE - 6;
    if let Some(size) = (floor..=TITLE_SIZE)
        .rev()
        .find(|&size| width(title, size) <= room)
    {
        return (title.to_string(), size);
    }
    let mut kept: Vec<char> = title.chars().collect();
    while kept.len() > 1 {
        kept.pop();
        let shortened = format!("{}…", kept.iter().collect::<String>().trim_end());
        if width(&shortened, floor) <= room {
            return (shortened, floor);
        }
    }
    (title.to_string(), floor)
}

/// DejaVu Sans, bundled so charts render without any system font library.
pub(super) static DEJAVU_SANS: &[u8] = include_bytes!("../../../assets/fonts/DejaVuSans.ttf");

/// Registers the bundled font once; charts fail cleanly if it cannot be.
pub fn ensure_font() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(Error::Failed(
            "the bundled chart font could not be loaded".into(),
        ))
    }
}

/// `#rrggbb` to a colour (validated at load, so a parse failure falls back to grey).
pub fn colour(hex: &str) -> RGBColor {
    let channel = |range: std::ops::Range<usize>| {
        hex.get(range)
            .and_then(|s| u8::from_str_radix(s, 16).ok())
            .unwrap_or(128)
    };
    RGBColor(channel(1..3), channel(3..5), channel(5..7))
}

pub const NEUTRAL: RGBColor = RGBColor(60, 80, 110);
pub const GRID: RGBColor = RGBColor(225, 225, 225);

/// The footer line: scenario file, paths, seed and sources.
pub fn footer_text(model: &Model) -> String {
    let documents = &model.meta.cited_documents;
    let sources = match (documents.len(), &model.meta.sources_file) {
        (0, _) | (_, None) => "sources: see the scenario file".to_string(),
        (count, Some(file)) => {
            let named = documents
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ");
            let more = if count > 3 {
                format!(" +{}", count - 3)
            } else {
                String::new()
            };
            format!("sources: {named}{more} ({})", file.display())
        }
    };
    format!(
        "{} · {} paths · seed {} · {} · {}",
        model.meta.file.display(),
        model.run.paths,
        model.run.seed,
        model.run.sampling.name().replace('_', " "),
        sources
    )
}

/// Splits off the footer strip and writes the footer into it; returns the area above.
pub fn with_footer<DB: Backend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    footer_line: &str,
) -> Result<DrawingArea<DB, plotters::coord::Shift>> {
    root.fill(&WHITE)?;
    let (main, footer) = root.split_vertically(HEIGHT - FOOTER_HEIGHT);
    footer.draw_text(
        footer_line,
        &(FONT, FOOTER_SIZE).into_font().color(&RGBColor(90, 90, 90)),
        (24, 12),
    )?;
    Ok(main)
}

/// A percentage tick label.
pub fn percent_label(value: &f64) -> String {
    format!("{:.0}%", value * 100.0)
}

/// A chart with months on x and real values on y.
pub type MonthChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<CalendarMonths, RangedCoordf64>>;

/// A month axis whose ticks are [`month_ticks`]: months as numbers, mapped linearly.
#[derive(Clone)]
pub struct CalendarMonths {
    months: RangedCoordf64,
    ticks: Vec<f64>,
}

impl CalendarMonths {
    /// An axis from month 0 to `months`; an axis that runs past the horizon for room (to
    /// 36.6) ticks only the months on it.
    pub fn new(months: f64) -> Self {
        CalendarMonths {
            months: (0.0..months).into(),
            ticks: month_ticks(last_whole_month(months)),
        }
    }

    /// For a small chart: the start, the last month, and headline months between them that
    /// stand at least a third of the axis from their neighbours (so labels never touch).
    pub fn sparse(months: f64) -> Self {
        let horizon = last_whole_month(months);
        let gap = horizon.div_ceil(3);
        let mut ticks = vec![0];
        for month in headline_months(horizon) {
            let last = ticks[ticks.len() - 1];
            if month == horizon && month - last < gap && ticks.len() > 1 {
                ticks.pop();
            }
            if month == horizon || month - ticks[ticks.len() - 1] >= gap {
                ticks.push(month);
            }
        }
        CalendarMonths {
            months: (0.0..months).into(),
            ticks: ticks.into_iter().map(|month| month as f64).collect(),
        }
    }
}

/// The last whole month on an axis that ends at `months` (a hair under a whole month counts).
fn last_whole_month(months: f64) -> usize {
    (months + 1e-9).floor().max(0.0) as usize
}

impl Ranged for CalendarMonths {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.months.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, _: Hint) -> Vec<f64> {
        self.ticks.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.months.range()
    }
}

/// A share axis from 0 to `top`, above 100% to leave room for a legend, whose ticks and grid
/// lines stop at 100%: nothing stands in the legend's room.
#[derive(Clone)]
pub struct ShareAxis {
    shares: RangedCoordf64,
}

impl ShareAxis {
    pub fn up_to(top: f64) -> Self {
        ShareAxis {
            shares: (0.0..top).into(),
        }
    }
}

impl Ranged for ShareAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.shares.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        RangedCoordf64::from(0.0..1.0).key_points(hint)
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.shares.range()
    }
}

/// A chart of values against a number (a swept parameter).
pub type ValueChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// The months a calendar axis labels: the start, every half year (every few years on long
/// horizons), and always the headline months and the last month, which the tables quote; a
/// regular tick too close to one of those is dropped so labels never overlap.
pub fn month_ticks(horizon: usize) -> Vec<f64> {
    let step = 6 * horizon.div_ceil(48).max(1);
    let wanted = headline_months(horizon);
    let mut ticks: Vec<usize> = (0..=horizon)
        .step_by(step)
        .filter(|&month| {
            wanted
                .iter()
                .all(|&kept| month == kept || month.abs_diff(kept) * 2 >= step)
        })
        .chain(wanted.iter().copied())
        .collect();
    ticks.sort_unstable();
    ticks.dedup();
    ticks.into_iter().map(|month| month as f64).collect()
}

/// What differs between the charts drawn against calendar months.
pub struct MonthAxes<'f> {
    pub caption: String,
    pub months: f64,
    pub values: std::ops::Range<f64>,
    pub x_desc: &'f str,
    pub y_desc: String,
    pub y_labels: usize,
    pub y_format: &'f dyn Fn(&f64) -> String,
}

impl MonthAxes<'static> {
    /// Axes for the probability that the actor holds each path, month by month.
    pub fn posture_probability(caption: String, months: f64, actor: &str) -> Self {
        MonthAxes {
            caption,
            months,
            values: 0.0..1.0,
            x_desc: "month",
            y_desc: format!("probability {actor} holds the path"),
            y_labels: 6,
            y_format: &percent_label,
        }
    }
}

/// Builds a chart with calendar-month ticks and draws its mesh.
pub fn month_chart<'a, DB: Backend>(
    area: &'a DrawingArea<DB, plotters::coord::Shift>,
    start: YearMonth,
    axes: MonthAxes,
) -> Result<MonthChart<'a, DB>> {
    let (title, title_size) = fitted_title(area, &axes.caption);
    let mut chart = ChartBuilder::on(area)
        .caption(title, (FONT, title_size))
        .margin(24)
        // Room for the last month's label, centred on the right edge.
        .margin_right(56)
        .x_label_area_size(80)
        .y_label_area_size(130)
        .build_cartesian_2d(CalendarMonths::new(axes.months), axes.values)?;
    chart
        .configure_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID)
        .y_labels(axes.y_labels)
        .x_label_formatter(&|month| start.offset(month.round() as i64).label())
        .y_label_formatter(axes.y_format)
        .x_desc(axes.x_desc)
        .y_desc(axes.y_desc)
        .label_style((FONT, TICK_SIZE))
        .axis_desc_style((FONT, AXIS_TITLE_SIZE))
        .draw()?;
    Ok(chart)
}

/// Draws the legend of the labelled series in one corner.
pub fn draw_legend<'a, DB: Backend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
    font_size: u32,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(position)
        .margin(16)
        .legend_area_size(48)
        .label_font((FONT, font_size))
        .background_style(WHITE.mix(0.85))
        .border_style(GRID)
        .draw()?;
    Ok(())
}

/// The corner or side of the plotting area where a legend of `labels` at `font_size` would
/// cover the fewest points of `lines` (in the chart's coordinates), the upper right where none
/// does: a line that runs under a legend is hidden by it.
pub fn clear_legend_position<'a, DB, X, Y>(
    chart: &ChartContext<'a, DB, Cartesian2d<X, Y>>,
    lines: &[Vec<(f64, f64)>],
    labels: &[impl AsRef<str>],
    font_size: u32,
) -> SeriesLabelPosition
where
    DB: Backend + 'a,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let area = chart.plotting_area();
    let (width, height) = area.dim_in_pixel();
    let font = (FONT, font_size).into_text_style(area);
    let widest = labels
        .iter()
        .filter_map(|label| area.estimate_text_size(label.as_ref(), &font).ok())
        .map(|(label_width, _)| label_width)
        .max()
        .unwrap_or(0);
    // The box as `draw_legend` makes it: its margin, the sample, the label; a row a label.
    let box_width = f64::from(16 + 48 + widest + 24) / f64::from(width.max(1));
    let rows = u32::try_from(labels.len()).unwrap_or(u32::MAX);
    let box_height = f64::from(32 + rows.saturating_mul(font_size + 8)) / f64::from(height.max(1));
    let (x, y) = (chart.x_range(), chart.y_range());
    let fraction = |(px, py): (f64, f64)| {
        let across = (px - x.start) / (x.end - x.start);
        (across, (py - y.start) / (y.end - y.start))
    };
    let points: Vec<(f64, f64)> = lines
        .iter()
        .flat_map(|line| points_along(line))
        .map(fraction)
        .collect();
    let (right, middle) = (1.0 - box_width, 0.5 - box_height / 2.0);
    let top = 1.0 - box_height;
    let candidates = [
        (SeriesLabelPosition::UpperRight, (right, top)),
        (SeriesLabelPosition::UpperLeft, (0.0, top)),
        (SeriesLabelPosition::MiddleRight, (right, middle)),
        (SeriesLabelPosition::LowerRight, (right, 0.0)),
        (SeriesLabelPosition::LowerLeft, (0.0, 0.0)),
        (SeriesLabelPosition::MiddleLeft, (0.0, middle)),
    ];
    let covered = |(left, bottom): (f64, f64)| {
        let inside = |&&(px, py): &&(f64, f64)| {
            (left..=left + box_width).contains(&px) && (bottom..=bottom + box_height).contains(&py)
        };
        points.iter().filter(inside).count()
    };
    candidates
        .into_iter()
        .min_by_key(|&(_, corner)| covered(corner))
        .map_or(SeriesLabelPosition::UpperRight, |(position, _)| position)
}

/// Points along a line's segments, not only their ends, which may lie either side of a box.
fn points_along(line: &[(f64, f64)]) -> impl Iterator<Item = (f64, f64)> + '_ {
    const STEPS: usize = 8;
    let inner = line.windows(2).flat_map(|pair| {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        (0..STEPS).map(move |step| {
            let t = step as f64 / STEPS as f64;
            (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
        })
    });
    inner.chain(line.last().copied())
}

/// A filled legend swatch.
pub fn swatch(colour: RGBAColor) -> impl Fn((i32, i32)) -> Rectangle<(i32, i32)> {
    move |(x, y)| Rectangle::new([(x, y - 8), (x + 30, y + 8)], colour.filled())
}

/// A line legend sample.
pub fn stroke(colour: RGBColor, width: u32) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 30, y)], colour.stroke_width(width))
}

/// A value with about three significant figures, for labels.
pub fn compact(value: f64) -> String {
    let size = value.abs();
    if value == 0.0 {
        "0".into()
    } else if size >= 100.0 {
        format!("{value:.0}")
    } else if size >= 10.0 {
        format!("{value:.1}")
    } else if size >= 1.0 {
        format!("{value:.2}")
    } else {
        format!("{value:.3}")
    }
}

/// The decimals that tell apart the ticks of an axis spanning `span` with about `labels` of
/// them: as many as the tick step needs (0.1 apart: one), the same on every tick, so an axis
/// never reads "0" beside "1.00" or "50.0" beside "100".
pub fn tick_decimals(span: f64, labels: usize) -> usize {
    let step = span.abs() / labels.max(1) as f64;
    if !step.is_finite() || step <= 0.0 {
        return 0;
    }
    let magnitude = 10f64.powf(step.log10().floor());
    // Ticks stand 1, 2 or 5 times a power of ten apart, no closer than the span over the
    // labels: the finest such step, so the decimals are never too few.
    let nice = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|&nice| nice >= step * 0.999_999)
        .unwrap_or(10.0 * magnitude);
    (-nice.log10().floor()).clamp(0.0, 8.0) as usize
}

/// A tick's label with `decimals` places.
pub fn tick_label(value: f64, decimals: usize) -> String {
    // -0.0 reads as 0.
    format!("{:.*}", decimals, value + 0.0)
}

/// Writes one text per row, centred on the rows of a plot spanning `rows_px` (absolute pixels).
pub fn text_column<DB: Backend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    texts: &[String],
    rows_px: &std::ops::Range<i32>,
    x: i32,
    pos: Pos,
) -> Result<()> {
    let style = (FONT, LABEL_SIZE).into_font().color(&BLACK).pos(pos);
    let top = rows_px.start - area.get_base_pixel().1;
    let step = f64::from(rows_px.end - rows_px.start) / texts.len().max(1) as f64;
    for (order, text) in texts.iter().enumerate() {
        let y = top + (step * (order as f64 + 0.5)) as i32;
        area.draw_text(text, &style, (x, y))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{ensure_font, fitted_title, month_ticks, CalendarMonths, FONT, TITLE_SIZE};
    use plotters::coord::ranged1d::Ranged;
    use plotters::prelude::*;

    #[test]
    fn calendar_axes_tick_the_headline_and_last_months() {
        assert_eq!(month_ticks(24), [0.0, 6.0, 12.0, 18.0, 24.0]);
        // 20 is a headline month (the last): 18 would crowd it.
        assert_eq!(month_ticks(20), [0.0, 6.0, 12.0, 20.0]);
        assert_eq!(month_ticks(9), [0.0, 6.0, 9.0]);
        let long = month_ticks(120);
        assert!(long.contains(&6.0) && long.contains(&12.0) && long.contains(&24.0));
        assert_eq!(long.last(), Some(&120.0));
        let sparse = CalendarMonths::sparse(24.0).key_points(5usize);
        assert_eq!(sparse, [0.0, 12.0, 24.0]);
    }

    #[test]
    fn tick_labels_share_the_decimals_their_step_needs() {
        use super::{tick_decimals, tick_label};
        // Every key point plotters makes for these axes reads differently, to the same places.
        for (low, high, labels) in [
            (0.0, 0.6, 8),
            (0.0, 6.0, 8),
            (0.0, 1450.0, 8),
            (40.0, 260.0, 8),
            (0.0, 1.0, 4),
            (0.5, 2.0, 5),
            (-0.3, 0.05, 8),
        ] {
            let decimals = tick_decimals(high - low, labels);
            let axis: plotters::coord::types::RangedCoordf64 = (low..high).into();
            let texts: Vec<String> = axis
                .key_points(labels)
                .iter()
                .map(|&value| tick_label(value, decimals))
                .collect();
            let mut distinct = texts.clone();
            distinct.dedup();
            assert_eq!(distinct, texts, "{low}..{high}");
            let places = |text: &String| text.split('.').nth(1).map_or(0, str::len);
            assert!(
                texts.iter().all(|text| places(text) == decimals),
                "{texts:?}"
            );
        }
        assert_eq!(tick_decimals(0.6, 8), 1);
        assert_eq!(tick_decimals(1450.0, 8), 0);
        assert_eq!(tick_label(-0.0, 1), "0.0");
    }

    #[test]
    fn an_axis_past_the_horizon_ticks_only_the_months_on_it() {
        let ticks = CalendarMonths::new(36.6).key_points(40usize);
        assert_eq!(ticks.last(), Some(&36.0));
        assert_eq!(
            CalendarMonths::new(36.0).key_points(40usize).last(),
            Some(&36.0)
        );
    }

    #[test]
    fn long_titles_shrink_then_shorten_to_fit_one_line() {
        ensure_font().unwrap();
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (1600, 900)).into_drawing_area();
        let room = 1600 - 56;
        let width = |text: &str, size: u32| {
            let style = (FONT, size).into_text_style(&area);
            area.estimate_text_size(text, &style).unwrap().0
        };
        assert_eq!(
            fitted_title(&area, "Base model"),
            ("Base model".into(), TITLE_SIZE)
        );
        let long = "Fence-straddling world — the paths at months 6 (Sep 2022), 12 (Mar 2023), 24 \
                    (Mar 2024) and 36 (Mar 2025)";
        let (title, size) = fitted_title(&area, long);
        assert_eq!(title, long);
        assert!(size < TITLE_SIZE && width(long, size) <= room, "{size}");
        assert!(width(long, size + 1) > room, "the largest size that fits");
        let endless = "war=settlement@any 1..12 and ".repeat(8);
        let (title, size) = fitted_title(&area, &endless);
        assert!(title.ends_with('…') && endless.starts_with(title.trim_end_matches('…')));
        assert!(width(&title, size) <= room);
    }

    /// A legend stays in the upper right unless a line runs there; then it goes where none
    /// does, and with lines everywhere, where it hides the least of them.
    #[test]
    fn a_legend_goes_where_no_line_runs_under_it() {
        use super::{clear_legend_position, LEGEND_SIZE};
        ensure_font().unwrap();
        let mut svg = String::new();
        let area = SVGBackend::with_string(&mut svg, (1600, 900)).into_drawing_area();
        let chart = ChartBuilder::on(&area)
            .build_cartesian_2d(0.0..36.0, 0.0..1.0)
            .unwrap();
        let labels = ["Fence-straddling", "Overt support", "Arm's length"];
        let position =
            |lines: &[Vec<(f64, f64)>]| clear_legend_position(&chart, lines, &labels, LEGEND_SIZE);
        let falling = vec![(0.0, 1.0), (36.0, 0.0)];
        let low = vec![(0.0, 0.0), (36.0, 0.05)];
        assert!(matches!(
            position(&[falling.clone(), low.clone()]),
            SeriesLabelPosition::UpperRight
        ));
        // Rising to 97% at the right: the upper right is taken, the upper left by the falling
        // line, and the middle of the right side is free.
        let rising = vec![(0.0, 0.0), (12.0, 0.7), (24.0, 0.9), (36.0, 0.97)];
        assert!(matches!(
            position(&[falling, low, rising]),
            SeriesLabelPosition::MiddleRight
        ));
        // Flat lines at every height: the corner that hides the fewest points.
        let flats: Vec<Vec<(f64, f64)>> = [0.02, 0.5, 0.98]
            .iter()
            .map(|&level| vec![(0.0, level), (36.0, level)])
            .collect();
        let mut crowded = flats.clone();
        crowded.push(vec![(30.0, 0.9), (36.0, 0.9)]);
        assert!(!matches!(
            position(&crowded),
            SeriesLabelPosition::UpperRight
        ));
    }
}
