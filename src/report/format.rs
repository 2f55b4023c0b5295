//! Numbers as every report and chart writes them: plain decimals for CSV cells, money,
//! percentages, counts, and the tick labels of chart axes. The text of each is part of the
//! output files, so a change here changes bytes that tests compare.

/// A number as a plain decimal that parses back to the same value (`-0` written as `0`;
/// infinities as `inf`, which never occur in reports of finite inputs): CSV cells.
pub fn num(x: f64) -> String {
    if x == 0.0 {
        "0".to_string()
    } else if x.is_finite() {
        format!("{x}")
    } else if x.is_nan() {
        "nan".to_string()
    } else if x > 0.0 {
        "inf".to_string()
    } else {
        "-inf".to_string()
    }
}

/// [`num`] of a figure that may be missing, an empty cell where it is.
pub fn num_or_blank(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

/// How [`Money::format`] writes dollars. The variants differ on purpose, each for where its
/// text is read; all scale by thousands to a `K`, `M`, `B` (or `T`) suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Money {
    /// Three significant figures, whole dollars below $1,000: `$1.23M`, `$25.0M`, `$350K`,
    /// `-$4.90B`, `$999`; an infinite amount is `unlimited`. Text, cards and tables ([`money`]).
    Compact,
    /// Cents where they matter, below $100, trailing zeros dropped (`$1.5`, `$7`, `$0.25`),
    /// else [`Money::Compact`]: amounts per record or per unit.
    Cents,
    /// At most two decimals, trailing zeros dropped, the sign after the `$`: `$10K`, `$2.5M`,
    /// `$1`. Axis ticks, where labels are round numbers.
    Tick,
    /// Decimals fixed by the suffix (two for billions, one for millions, none below), no
    /// trillions, non-finite values as Rust writes them: `$1.23B`, `$4.5M`, `$350K`, `$999`.
    /// The backtest table printed on the terminal, whose columns line up.
    Fixed,
}

/// Suffixes by size, largest first.
const SUFFIXES: [(f64, &str); 4] = [(1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")];

/// `x` divided down to the largest of `suffixes` that `|x|` reaches, with that suffix.
fn scaled(x: f64, suffixes: &[(f64, &'static str)]) -> (f64, &'static str) {
    let a = x.abs();
    suffixes.iter().find(|(size, _)| a >= *size).map_or((x, ""), |(size, suffix)| (x / size, *suffix))
}

/// `text` (a decimal with a point) without trailing zeros, nor the point if nothing follows it.
fn trim_zeros(text: &str) -> &str {
    text.trim_end_matches('0').trim_end_matches('.')
}

/// A rate (breaches a year) for a table: up to six decimals without trailing zeros (0.052,
/// not 0.052000000000000005), tiny rates in scientific notation.
pub fn rate(x: f64) -> String {
    if x != 0.0 && x.abs() < 1e-4 {
        return format!("{x:e}");
    }
    trim_zeros(&format!("{x:.6}")).to_string()
}

impl Money {
    pub fn format(self, x: f64) -> String {
        match self {
            Money::Compact => {
                if x.is_infinite() {
                    return if x > 0.0 { "unlimited".to_string() } else { "-unlimited".to_string() };
                }
                let sign = if x < 0.0 { "-" } else { "" };
                let (value, suffix) = scaled(x.abs(), &SUFFIXES);
                let text = if value >= 100.0 || suffix.is_empty() {
                    format!("{value:.0}")
                } else if value >= 10.0 {
                    format!("{value:.1}")
                } else {
                    format!("{value:.2}")
                };
                format!("{sign}${text}{suffix}")
            }
            Money::Cents => {
                if x.abs() >= 100.0 {
                    return Money::Compact.format(x);
                }
                format!("${}", trim_zeros(&format!("{x:.2}")))
            }
            Money::Tick => format!("${}", short_number(x)),
            Money::Fixed => {
                if !x.is_finite() {
                    return format!("{x}");
                }
                let (value, suffix) = scaled(x, &SUFFIXES[1..]);
                let decimals = match suffix {
                    "B" => 2,
                    "M" => 1,
                    _ => 0,
                };
                format!("${value:.decimals$}{suffix}")
            }
        }
    }
}

/// Dollars for people, [`Money::Compact`]: `$1.23M`, `$350K`, `$4.90B`.
pub fn money(x: f64) -> String {
    Money::Compact.format(x)
}

/// A change in dollars for people, with its sign: `+$1.2M`, `-$350K`; `$0` for what shows as
/// nothing either way.
pub fn signed_money(x: f64) -> String {
    let shown = money(x.abs());
    match shown.as_str() {
        "$0" => shown,
        _ if x < 0.0 => format!("-{shown}"),
        _ => format!("+{shown}"),
    }
}

/// A short number with a suffix, for tick labels: 1, 20, 500, 1K, 2.5M, 10B, 1T.
fn short_number(x: f64) -> String {
    let (value, suffix) = scaled(x, &SUFFIXES);
    let rounded = format!("{value:.2}");
    format!("{}{suffix}", trim_zeros(&rounded))
}

/// Tick label of a log10 money axis: `$10K`, `$1M`, `$100M`.
pub fn money_tick(log10: &f64) -> String {
    Money::Tick.format(10f64.powf(*log10))
}

/// Tick label of a linear money axis: `$0`, `$500K`, `$1.5M`.
pub fn money_axis_tick(value: &f64) -> String {
    Money::Tick.format(*value)
}

/// Tick label of a log10 count axis: `1K`, `10M`.
pub fn count_tick(log10: &f64) -> String {
    short_number(10f64.powf(*log10))
}

/// Tick label of a linear count axis: `0`, `50K`, `1.2M`.
pub fn count_axis_tick(value: &f64) -> String {
    short_number(*value)
}

/// `part` as a share of `whole` (0 where the whole is 0).
pub fn share_of(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        part / whole
    } else {
        0.0
    }
}

/// A probability or share as a percentage with two significant figures: 10%, 5.2%, 0.1%,
/// 0.01% (whole percents from 10%).
pub fn percent(p: f64) -> String {
    let pct = p * 100.0;
    if pct >= 10.0 || pct <= 0.0 {
        return format!("{pct:.0}%");
    }
    let decimals = (1 - pct.log10().floor() as i32).max(0) as usize;
    let text = format!("{pct:.decimals$}");
    let text = if text.contains('.') { trim_zeros(&text) } else { &text };
    format!("{text}%")
}

/// A share as a percentage with one decimal below 10% (9.5%, 0.3%) and whole percents from
/// 10%: a fixed precision for terminal tables, where [`percent`]'s would vary by row.
pub fn percent_one_decimal(x: f64) -> String {
    let pct = x * 100.0;
    if pct.abs() >= 10.0 {
        format!("{pct:.0}%")
    } else {
        format!("{pct:.1}%")
    }
}

/// Tick label of a linear axis of percentages (the value already in percent): at most two
/// decimals, trailing zeros dropped: `0%`, `2.5%`, `0.25%`.
pub fn percent_axis_tick(pct: &f64) -> String {
    format!("{}%", trim_zeros(&format!("{pct:.2}")))
}

/// Tick label of a log10 probability axis.
pub fn probability_tick(log10: &f64) -> String {
    percent(10f64.powf(*log10))
}

/// Tick label of a log10 probability axis as a return period: `1 in 100`.
pub fn return_period_tick(log10: &f64) -> String {
    let period = 10f64.powf(-*log10);
    format!("1 in {}", short_number(period.round()))
}

/// An expected count for people: two significant figures below 10 (`1.9`, `0.19`, `0.03`),
/// whole numbers with separators from 10 (`19`, `1,852`). Expected incidents a year are
/// fractions for one firm and hundreds for a book, so neither fixed decimals nor integers fit.
pub fn expected_count(x: f64) -> String {
    if !x.is_finite() || x <= 0.0 {
        return "0".to_string();
    }
    if x >= 10.0 {
        return thousands(x.round() as u64);
    }
    let decimals = (1 - x.log10().floor() as i32).max(0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') {
        trim_zeros(&text).to_string()
    } else {
        text
    }
}

/// `text` with its first letter capitalised ("incidents" → "Incidents"), to start a label.
pub fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An integer with thousands separators: 100,000.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_plain_decimals_that_round_trip() {
        for x in [0.1, 1e21, 123456789.125, 1e-7, 2.5e15, 7.0] {
            let text = num(x);
            assert!(!text.contains('e'), "{text}");
            assert_eq!(text.parse::<f64>().ok(), Some(x));
        }
        assert_eq!(num(-0.0), "0");
    }

    #[test]
    fn signed_money_shows_the_sign_of_what_shows() {
        assert_eq!(signed_money(1_234_000.0), "+$1.23M");
        assert_eq!(signed_money(-350_000.0), "-$350K");
        assert_eq!(signed_money(0.0), "$0");
        assert_eq!(signed_money(-0.3), "$0", "no sign on what rounds to nothing");
        assert_eq!(signed_money(-0.0), "$0");
    }

    #[test]
    fn money_is_compact() {
        assert_eq!(money(1_234_567.0), "$1.23M");
        assert_eq!(money(25_000_000.0), "$25.0M");
        assert_eq!(money(350_000.0), "$350K");
        assert_eq!(money(999.0), "$999");
        assert_eq!(money(4.9e9), "$4.90B");
        assert_eq!(money(-4.9e9), "-$4.90B");
        assert_eq!(money(2.5e13), "$25.0T");
        assert_eq!(money(f64::INFINITY), "unlimited");
    }

    #[test]
    fn per_unit_money_keeps_the_cents_that_matter() {
        assert_eq!(Money::Cents.format(1.5), "$1.5");
        assert_eq!(Money::Cents.format(7.0), "$7");
        assert_eq!(Money::Cents.format(0.25), "$0.25");
        assert_eq!(Money::Cents.format(99.999), "$100");
        assert_eq!(Money::Cents.format(150.0), "$150");
        assert_eq!(Money::Cents.format(2_500.0), "$2.50K");
    }

    #[test]
    fn fixed_money_has_the_decimals_of_its_suffix() {
        assert_eq!(Money::Fixed.format(1_234_567_890.0), "$1.23B");
        assert_eq!(Money::Fixed.format(4_540_000.0), "$4.5M");
        assert_eq!(Money::Fixed.format(350_400.0), "$350K");
        assert_eq!(Money::Fixed.format(999.0), "$999");
        assert_eq!(Money::Fixed.format(2e12), "$2000.00B");
        assert_eq!(Money::Fixed.format(-1.5e6), "$-1.5M");
        assert_eq!(Money::Fixed.format(f64::INFINITY), "inf");
    }

    #[test]
    fn money_ticks_read_like_money() {
        assert_eq!(money_tick(&4.0), "$10K");
        assert_eq!(money_tick(&6.0), "$1M");
        assert_eq!(money_tick(&8.0), "$100M");
        assert_eq!(money_tick(&0.0), "$1");
        assert_eq!(money_tick(&(6.0 + 2f64.log10())), "$2M");
        assert_eq!(money_tick(&(5.0 + 2.5f64.log10())), "$250K");
        assert_eq!(money_axis_tick(&-500_000.0), "$-500K");
        assert_eq!(count_tick(&9.0), "1B");
        assert_eq!(count_axis_tick(&1_250_000.0), "1.25M");
    }

    #[test]
    fn expected_counts_keep_two_figures_below_ten() {
        assert_eq!(expected_count(1.852), "1.9");
        assert_eq!(expected_count(0.1852), "0.19");
        assert_eq!(expected_count(0.03), "0.03");
        assert_eq!(expected_count(2.0), "2");
        assert_eq!(expected_count(18.52), "19");
        assert_eq!(expected_count(1852.4), "1,852");
        assert_eq!(expected_count(0.0), "0");
    }

    #[test]
    fn probabilities_read_as_percentages() {
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.1), "10%");
        assert_eq!(percent(0.01), "1%");
        assert_eq!(percent(0.001), "0.1%");
        assert_eq!(percent(0.0001), "0.01%");
        assert_eq!(percent(0.0523), "5.2%");
        assert_eq!(percent_one_decimal(0.0523), "5.2%");
        assert_eq!(percent_one_decimal(0.00314), "0.3%");
        assert_eq!(percent_one_decimal(0.125), "12%");
        assert_eq!(percent_axis_tick(&2.5), "2.5%");
        assert_eq!(percent_axis_tick(&0.0), "0%");
        assert_eq!(return_period_tick(&-2.0), "1 in 100");
        assert_eq!(return_period_tick(&-3.0), "1 in 1K");
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(100_000), "100,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
