//! Money for humans: $1.2M, $350K, $4.9B.

/// A compact dollar amount with three significant figures.
pub fn money(x: f64) -> String {
    if x.is_infinite() {
        return if x > 0.0 { "unlimited".to_string() } else { "-unlimited".to_string() };
    }
    let a = x.abs();
    let sign = if x < 0.0 { "-" } else { "" };
    let (value, suffix) = if a >= 1e12 {
        (a / 1e12, "T")
    } else if a >= 1e9 {
        (a / 1e9, "B")
    } else if a >= 1e6 {
        (a / 1e6, "M")
    } else if a >= 1e3 {
        (a / 1e3, "K")
    } else {
        (a, "")
    };
    let text = if value >= 100.0 || suffix.is_empty() {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    };
    format!("{sign}${text}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::money;

    #[test]
    fn money_is_compact() {
        assert_eq!(money(1_234_567.0), "$1.23M");
        assert_eq!(money(25_000_000.0), "$25.0M");
        assert_eq!(money(350_000.0), "$350K");
        assert_eq!(money(999.0), "$999");
        assert_eq!(money(4.9e9), "$4.90B");
        assert_eq!(money(f64::INFINITY), "unlimited");
    }
}
