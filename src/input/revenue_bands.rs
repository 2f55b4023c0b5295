//! Tables of revenue bands (`[[...]]` arrays whose tables each start at the band before's
//! `revenue_below` and end below their own, ascending, the last one possibly `inf`), as the
//! firmographic frequency and the market's premiums give them.

use super::toml_section::{number, show, tables, Section};
use crate::error::Result;

/// The bands under `key` of `s` (none if the key is absent), ascending by `revenue_below`:
/// (revenue_below, what `read` makes of the rest of the band's table). A band's `source` is
/// free text; any other key is an error.
pub fn parse<'a, T>(
    s: &mut Section<'a>,
    key: &'static str,
    mut read: impl FnMut(&mut Section<'a>) -> Result<T>,
) -> Result<Vec<(f64, T)>> {
    let Some(value) = s.get(key) else { return Ok(Vec::new()) };
    let mut previous: Option<f64> = None;
    tables(s.file(), &s.key_path(key), value, |mut band| {
        let revenue_below = match band.get("revenue_below") {
            None => return Err(band.error("revenue_below", "missing (use inf for the last band)")),
            Some(v) => number(v)
                .filter(|r| *r > 0.0)
                .ok_or_else(|| band.error("revenue_below", format!("{} is not a revenue > 0", show(v))))?,
        };
        if let Some(before) = previous.filter(|before| revenue_below <= *before) {
            return Err(
                band.error("revenue_below", format!("{revenue_below} does not rise above the band before ({before})"))
            );
        }
        previous = Some(revenue_below);
        let figure = read(&mut band)?;
        band.str_opt("source")?;
        band.finish()?;
        Ok((revenue_below, figure))
    })
}
