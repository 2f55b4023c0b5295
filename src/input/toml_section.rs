//! Reading one TOML table with key-path error messages and unknown-key detection.

use crate::error::{Error, Result};

/// One table of the assumptions file being read. Every key that is read is remembered, so
/// that [`Section::finish`] can reject the keys nobody asked for (with a nearest-name hint).
pub struct Section<'a> {
    file: &'a str,
    path: String,
    table: &'a toml::Table,
    known: Vec<&'static str>,
}

impl<'a> Section<'a> {
    pub fn new(file: &'a str, path: impl Into<String>, table: &'a toml::Table) -> Self {
        Section { file, path: path.into(), table, known: Vec::new() }
    }

    pub fn file(&self) -> &'a str {
        self.file
    }

    /// `component "legal_defense".fixed` for key `fixed` in section `component "legal_defense"`.
    pub fn key_path(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// An input error about `key` in this section.
    pub fn error(&self, key: &str, message: impl std::fmt::Display) -> Error {
        Error::input(format!("{}: {}: {message}", self.file, self.key_path(key)))
    }

    /// The raw value of `key`, marking the key as known.
    pub fn get(&mut self, key: &'static str) -> Option<&'a toml::Value> {
        self.known.push(key);
        self.table.get(key)
    }

    pub fn f64_opt(&mut self, key: &'static str) -> Result<Option<f64>> {
        match self.get(key) {
            None => Ok(None),
            Some(value) => {
                number(value).map(Some).ok_or_else(|| self.error(key, format!("{} is not a number", show(value))))
            }
        }
    }

    pub fn u64_opt(&mut self, key: &'static str) -> Result<Option<u64>> {
        match self.get(key) {
            None => Ok(None),
            Some(toml::Value::Integer(i)) if *i >= 0 => Ok(Some(*i as u64)),
            Some(value) => Err(self.error(key, format!("{} is not a non-negative integer", show(value)))),
        }
    }

    pub fn str_opt(&mut self, key: &'static str) -> Result<Option<&'a str>> {
        match self.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(s.as_str())),
            Some(value) => Err(self.error(key, format!("{} is not a string", show(value)))),
        }
    }

    pub fn bool_opt(&mut self, key: &'static str) -> Result<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(toml::Value::Boolean(b)) => Ok(Some(*b)),
            Some(value) => Err(self.error(key, format!("{} is not true or false", show(value)))),
        }
    }

    /// A list of strings; a single string is accepted as a one-element list.
    pub fn str_list_opt(&mut self, key: &'static str) -> Result<Option<Vec<String>>> {
        match self.get(key) {
            None => Ok(None),
            Some(toml::Value::String(s)) => Ok(Some(vec![s.clone()])),
            Some(toml::Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        toml::Value::String(s) => out.push(s.clone()),
                        other => return Err(self.error(key, format!("{} is not a string", show(other)))),
                    }
                }
                Ok(Some(out))
            }
            Some(value) => Err(self.error(key, format!("{} is not a list of strings", show(value)))),
        }
    }

    /// A sub-table, as its own section.
    pub fn table_opt(&mut self, key: &'static str) -> Result<Option<Section<'a>>> {
        match self.get(key) {
            None => Ok(None),
            Some(toml::Value::Table(t)) => Ok(Some(Section::new(self.file, self.key_path(key), t))),
            Some(value) => Err(self.error(key, format!("{} is not a table", show(value)))),
        }
    }

    /// The keys of this table, in file order (toml keeps them sorted; order is not relied on).
    pub fn table(&self) -> &'a toml::Table {
        self.table
    }

    /// Rejects any key that was not read, naming the nearest known key.
    pub fn finish(self) -> Result<()> {
        for key in self.table.keys() {
            if !self.known.iter().any(|k| k == key) {
                let hint = nearest(key, &self.known)
                    .map(|k| format!(" (did you mean \"{k}\"?)"))
                    .unwrap_or_else(|| format!(" (known keys: {})", self.known.join(", ")));
                return Err(Error::input(format!("{}: {}: unknown key{hint}", self.file, self.key_path(key))));
            }
        }
        Ok(())
    }
}

/// Each table of the array `value` (at key path `path`), read by `read`.
pub fn tables<'a, T>(
    file: &'a str,
    path: &str,
    value: &'a toml::Value,
    mut read: impl FnMut(Section<'a>) -> Result<T>,
) -> Result<Vec<T>> {
    let items = value
        .as_array()
        .ok_or_else(|| Error::input(format!("{file}: {path}: {} is not a list of tables", show(value))))?;
    let mut out = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        let at = format!("{path}[{}]", index + 1);
        let table =
            item.as_table().ok_or_else(|| Error::input(format!("{file}: {at}: {} is not a table", show(item))))?;
        out.push(read(Section::new(file, at, table))?);
    }
    Ok(out)
}

/// A table's `name`, trimmed: present, not empty, and an identifier ([`crate::text::id_problem`]);
/// `what` names the table in the message ("every {what} needs a name").
pub fn table_name(s: &mut Section, what: &str) -> Result<String> {
    let name = match s.str_opt("name")? {
        Some(n) if !n.trim().is_empty() => n.trim().to_string(),
        _ => return Err(s.error("name", format!("missing or empty; every {what} needs a name"))),
    };
    if let Some(problem) = crate::text::id_problem(&name) {
        return Err(s.error("name", format!("\"{}\" {problem}", crate::text::excerpt(&name, 60))));
    }
    Ok(name)
}

/// Refuses a name given to two of the tables `path` (`incident`, `section`, ...) of `file`.
pub fn unique_names<'n>(file: &str, path: &str, names: impl Iterator<Item = &'n str>) -> Result<()> {
    let mut seen: Vec<&str> = Vec::new();
    for name in names {
        if seen.contains(&name) {
            return Err(Error::input(format!(
                "{file}: {path} \"{name}\": the name is used twice; {path} names must be unique"
            )));
        }
        seen.push(name);
    }
    Ok(())
}

/// The numbers of the table `key` of `s` (none if it is absent), each with the index of its
/// name in `names`: a name not there is an error naming the nearest one (`what`: "component",
/// "section", ...), and a value `accept` refuses an error saying it is not `expected`.
pub fn numbers_by_name(
    s: &mut Section,
    key: &'static str,
    names: &[&str],
    what: &str,
    (accept, expected): (impl Fn(f64) -> bool, &str),
) -> Result<Vec<(usize, f64)>> {
    let Some(sub) = s.table_opt(key)? else { return Ok(Vec::new()) };
    let mut out = Vec::with_capacity(sub.table().len());
    for (name, value) in sub.table() {
        let index = names.iter().position(|n| n == name).ok_or_else(|| {
            let hint = nearest(name, names).map(|k| format!(" (did you mean \"{k}\"?)")).unwrap_or_default();
            sub.error(name, format!("no {what} is called \"{}\"{hint}", crate::text::printable(name)))
        })?;
        match number(value) {
            Some(v) if accept(v) => out.push((index, v)),
            _ => return Err(sub.error(name, format!("{} is not {expected}", show(value)))),
        }
    }
    Ok(out)
}

/// Data type names, lower-cased and trimmed; `"any"` means no restriction (an empty list).
pub fn data_type_list(s: &mut Section, key: &'static str) -> Result<Vec<String>> {
    let list = s.str_list_opt(key)?.unwrap_or_default();
    let mut out = Vec::with_capacity(list.len());
    for item in list {
        let item = item.trim().to_lowercase();
        if item.is_empty() {
            return Err(s.error(key, "contains an empty name"));
        }
        out.push(item);
    }
    Ok(out)
}

/// A TOML number as f64 (integers accepted); NaN is never a valid number here.
pub fn number(value: &toml::Value) -> Option<f64> {
    match value {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) if !f.is_nan() => Some(*f),
        _ => None,
    }
}

/// A short rendering of a value for error messages.
pub fn show(value: &toml::Value) -> String {
    let text = match value {
        toml::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    };
    let text = text.replace('\n', " ");
    if text.chars().count() > 60 {
        let cut: String = text.chars().take(57).collect();
        format!("{cut}...")
    } else {
        text
    }
}

/// The candidate closest to `word` by edit distance, if close enough to be a plausible typo.
pub fn nearest<'k>(word: &str, candidates: &[&'k str]) -> Option<&'k str> {
    candidates
        .iter()
        .map(|c| (levenshtein(&word.to_lowercase(), &c.to_lowercase()), *c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_finds_a_typo_and_ignores_unrelated_words() {
        assert_eq!(nearest("per_unti", &["fixed", "per_unit", "unit_share"]), Some("per_unit"));
        assert_eq!(nearest("zzzzzz", &["fixed", "per_unit"]), None);
    }
}
