//! `--xlsx`: pricing.xlsx opens, each sheet holds its CSV's figures, and the Pricing sheet's
//! formulas, evaluated here, give pricing.csv's premiums, and move as the premium formula
//! says when the expense ratio or the cost of capital changes.

mod common;

use std::collections::HashMap;
use std::io::Cursor;
use std::ops::Not;
use std::path::{Path, PathBuf};

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use common::{assert_success, describe, entries, run, s, stderr, write, Table};

const ITERATIONS: &str = "20000";

/// Runs `simulate --xlsx --no-charts --quiet` with `extra` flags into `dir/name`.
fn simulate(dir: &Path, name: &str, extra: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut args = vec!["simulate", "--xlsx", "--no-charts", "--quiet", "--iterations", ITERATIONS];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--out", s(&out)]);
    assert_success(&run(&args));
    out
}

fn open(out: &Path) -> Xlsx<Cursor<Vec<u8>>> {
    let bytes = std::fs::read(out.join("pricing.xlsx")).expect("pricing.xlsx should be written");
    open_workbook_from_rs(Cursor::new(bytes)).expect("pricing.xlsx should open as a workbook")
}

/// A sheet's cached values by (row, column), 0-based.
fn values(workbook: &mut Xlsx<Cursor<Vec<u8>>>, sheet: &str) -> HashMap<(u32, u32), Data> {
    let range = workbook.worksheet_range(sheet).unwrap_or_else(|e| panic!("sheet {sheet}: {e}"));
    let Some((top, left)) = range.start() else { return HashMap::new() };
    let mut cells = HashMap::new();
    for (r, row) in range.rows().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if !matches!(value, Data::Empty) {
                cells.insert((top + r as u32, left + c as u32), value.clone());
            }
        }
    }
    cells
}

/// A sheet's formulas (without `=`) by (row, column).
fn formulas(workbook: &mut Xlsx<Cursor<Vec<u8>>>, sheet: &str) -> HashMap<(u32, u32), String> {
    let range = workbook.worksheet_formula(sheet).unwrap_or_else(|e| panic!("sheet {sheet}: {e}"));
    let Some((top, left)) = range.start() else { return HashMap::new() };
    let mut cells = HashMap::new();
    for (r, row) in range.rows().enumerate() {
        for (c, formula) in row.iter().enumerate() {
            if !formula.is_empty() {
                cells.insert((top + r as u32, left + c as u32), formula.trim_start_matches('=').to_string());
            }
        }
    }
    cells
}

/// Asserts the cell holds the CSV's text: the same number, the same text, or nothing.
fn assert_cell(cell: Option<&Data>, text: &str, column: &str, at: &str) {
    let number = (column != "id").then(|| text.parse::<f64>().ok()).flatten();
    match (cell, number) {
        (None | Some(Data::Empty), _) => assert!(text.is_empty(), "{at} ({column}) is blank, the CSV has {text:?}"),
        (Some(Data::String(v)), _) if v.is_empty() => assert!(text.is_empty(), "{at} ({column}): blank vs {text:?}"),
        (Some(Data::Float(v)), Some(x)) => assert_eq!(v.to_bits(), x.to_bits(), "{at} ({column}): {v} vs {text}"),
        (Some(Data::Int(v)), Some(x)) => assert_eq!(*v as f64, x, "{at} ({column})"),
        (Some(Data::String(v)), _) => assert_eq!(v, text, "{at} ({column})"),
        (other, _) => panic!("{at} ({column}): {other:?} vs the CSV's {text:?}"),
    }
}

/// Asserts that `sheet` holds the CSV `csv` of `out` with its header at `header_row`.
fn assert_sheet_is_csv(workbook: &mut Xlsx<Cursor<Vec<u8>>>, sheet: &str, out: &Path, csv: &str, header_row: u32) {
    let table = Table::read(&out.join(csv));
    let cells = values(workbook, sheet);
    for (c, name) in table.header.iter().enumerate() {
        assert_eq!(cells.get(&(header_row, c as u32)), Some(&Data::String(name.clone())), "{sheet} header");
    }
    for (r, row) in table.rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            let at = format!("{sheet}!R{}C{}", header_row + 2 + r as u32, c + 1);
            assert_cell(cells.get(&(header_row + 1 + r as u32, c as u32)), text, &table.header[c], &at);
        }
    }
    // Nothing below the table.
    let last = cells.keys().map(|(r, _)| *r).max().unwrap_or(0);
    assert_eq!(last, header_row + table.rows.len() as u32, "{sheet} has rows past {csv}'s");
}

// ---------------------------------------------------------------------------------------
// A tiny evaluator for exactly the formulas the Pricing sheet writes: numbers, "text", cell
// references (A1, $B$2), ranges inside SUM, + - * /, comparisons (= < > <= >= <>),
// parentheses, IF, OR and SUM.

#[derive(Debug, Clone, PartialEq)]
enum Value {
    Num(f64),
    Text(String),
    Bool(bool),
    Empty,
}

impl Value {
    fn num(&self) -> f64 {
        match self {
            Value::Num(x) => *x,
            Value::Empty => 0.0,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Text(t) => panic!("arithmetic on text {t:?}"),
        }
    }

    fn truth(&self) -> bool {
        match self {
            Value::Bool(b) => *b,
            other => other.num() != 0.0,
        }
    }
}

/// The sheet as the evaluator sees it: values (the inputs) and formulas.
struct Sheet {
    values: HashMap<(u32, u32), Value>,
    formulas: HashMap<(u32, u32), String>,
}

/// `$B$2` → (1, 1).
fn cell_ref(text: &str) -> (u32, u32) {
    let text = text.replace('$', "");
    let split = text.find(|c: char| c.is_ascii_digit()).expect("a row number");
    let (letters, digits) = text.split_at(split);
    let col = letters.bytes().fold(0u32, |n, b| n * 26 + u32::from(b - b'A' + 1)) - 1;
    (digits.parse::<u32>().expect("row") - 1, col)
}

impl Sheet {
    fn eval_cell(&self, at: (u32, u32)) -> Value {
        match self.formulas.get(&at) {
            Some(f) => self.eval(f),
            None => self.values.get(&at).cloned().unwrap_or(Value::Empty),
        }
    }

    fn eval(&self, formula: &str) -> Value {
        let tokens = tokenize(formula);
        let mut p = Parser { tokens: &tokens, at: 0, sheet: self };
        let v = p.comparison();
        assert_eq!(p.at, tokens.len(), "unparsed rest of {formula}");
        v
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Num(f64),
    Text(String),
    Ref(String),
    Name(String),
    Op(String),
}

fn tokenize(formula: &str) -> Vec<Token> {
    let chars: Vec<char> = formula.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            let end = i + 1 + chars[i + 1..].iter().position(|&x| x == '"').expect("closing quote");
            tokens.push(Token::Text(chars[i + 1..end].iter().collect()));
            i = end + 1;
        } else if c.is_ascii_digit() || c == '.' {
            let end =
                (i..chars.len()).find(|&j| !(chars[j].is_ascii_digit() || chars[j] == '.')).unwrap_or(chars.len());
            tokens.push(Token::Num(chars[i..end].iter().collect::<String>().parse().expect("number")));
            i = end;
        } else if c == '$' || c.is_ascii_uppercase() {
            let end = (i..chars.len())
                .find(|&j| !(chars[j].is_ascii_alphanumeric() || chars[j] == '$'))
                .unwrap_or(chars.len());
            let word: String = chars[i..end].iter().collect();
            let is_ref = word.trim_start_matches('$').starts_with(|c: char| c.is_ascii_uppercase())
                && word.ends_with(|c: char| c.is_ascii_digit());
            tokens.push(if is_ref { Token::Ref(word) } else { Token::Name(word) });
            i = end;
        } else if matches!((c, chars.get(i + 1)), ('<', Some('=' | '>')) | ('>', Some('='))) {
            tokens.push(Token::Op(chars[i..i + 2].iter().collect()));
            i += 2;
        } else {
            assert!("+-*/(),:=<>".contains(c), "unexpected {c:?} in {formula}");
            tokens.push(Token::Op(c.to_string()));
            i += 1;
        }
    }
    tokens
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    sheet: &'a Sheet,
}

impl Parser<'_> {
    fn peek_op(&self) -> Option<&str> {
        match self.tokens.get(self.at) {
            Some(Token::Op(o)) => Some(o.as_str()),
            _ => None,
        }
    }

    fn expect(&mut self, op: &str) {
        assert_eq!(self.peek_op(), Some(op), "expected {op} at token {}", self.at);
        self.at += 1;
    }

    fn comparison(&mut self) -> Value {
        let left = self.additive();
        let Some(op) = self.peek_op().filter(|o| ["=", "<", ">", "<=", ">=", "<>"].contains(o)).map(String::from)
        else {
            return left;
        };
        self.at += 1;
        let right = self.additive();
        // Excel: a blank equals "" and 0; a number never equals text.
        let ordering = match (&left, &right) {
            (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
            (Value::Empty, Value::Text(t)) | (Value::Text(t), Value::Empty) if t.is_empty() => {
                Some(std::cmp::Ordering::Equal)
            }
            (Value::Text(_), _) | (_, Value::Text(_)) => None,
            (a, b) => a.num().partial_cmp(&b.num()),
        };
        use std::cmp::Ordering::*;
        Value::Bool(match (op.as_str(), ordering) {
            ("=", o) => o == Some(Equal),
            ("<>", o) => o != Some(Equal),
            ("<", o) => o == Some(Less),
            (">", o) => o == Some(Greater),
            ("<=", o) => matches!(o, Some(Less | Equal)),
            (">=", o) => matches!(o, Some(Greater | Equal)),
            _ => unreachable!(),
        })
    }

    fn additive(&mut self) -> Value {
        let mut v = self.term();
        while let Some(op) = self.peek_op().filter(|o| *o == "+" || *o == "-").map(String::from) {
            self.at += 1;
            let r = self.term();
            v = Value::Num(if op == "+" { v.num() + r.num() } else { v.num() - r.num() });
        }
        v
    }

    fn term(&mut self) -> Value {
        let mut v = self.unary();
        while let Some(op) = self.peek_op().filter(|o| *o == "*" || *o == "/").map(String::from) {
            self.at += 1;
            let r = self.unary();
            v = Value::Num(if op == "*" { v.num() * r.num() } else { v.num() / r.num() });
        }
        v
    }

    fn unary(&mut self) -> Value {
        if self.peek_op() == Some("-") {
            self.at += 1;
            return Value::Num(-self.unary().num());
        }
        self.primary()
    }

    fn primary(&mut self) -> Value {
        let token = self.tokens.get(self.at).cloned().expect("a value");
        self.at += 1;
        match token {
            Token::Num(x) => Value::Num(x),
            Token::Text(t) => Value::Text(t),
            Token::Ref(r) => self.sheet.eval_cell(cell_ref(&r)),
            Token::Op(o) if o == "(" => {
                let v = self.comparison();
                self.expect(")");
                v
            }
            Token::Name(f) => {
                self.expect("(");
                let v = match f.as_str() {
                    "IF" => {
                        let condition = self.comparison().truth();
                        self.expect(",");
                        let yes = self.comparison();
                        self.expect(",");
                        let no = self.comparison();
                        if condition {
                            yes
                        } else {
                            no
                        }
                    }
                    "OR" => {
                        let mut any = self.comparison().truth();
                        while self.peek_op() == Some(",") {
                            self.at += 1;
                            any |= self.comparison().truth();
                        }
                        Value::Bool(any)
                    }
                    "SUM" => {
                        let Some(Token::Ref(from)) = self.tokens.get(self.at).cloned() else {
                            panic!("SUM of a range")
                        };
                        self.at += 1;
                        self.expect(":");
                        let Some(Token::Ref(to)) = self.tokens.get(self.at).cloned() else { panic!("SUM of a range") };
                        self.at += 1;
                        let ((r0, c0), (r1, c1)) = (cell_ref(&from), cell_ref(&to));
                        assert_eq!(c0, c1, "a SUM down one column");
                        // In row order, as the book's totals add the policies.
                        Value::Num((r0..=r1).map(|r| self.sheet.eval_cell((r, c0)).num()).fold(0.0, |a, b| a + b))
                    }
                    other => panic!("function {other} is not one the Pricing sheet writes"),
                };
                self.expect(")");
                v
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}

/// The Pricing sheet read for evaluation, and pricing.csv.
fn pricing_sheet(out: &Path) -> (Sheet, Table, HashMap<(u32, u32), Data>) {
    let (sheet, cached) = evaluable(out, "Pricing");
    (sheet, Table::read(&out.join("pricing.csv")), cached)
}

/// A sheet read for evaluation (its values and formulas), and its cached values.
fn evaluable(out: &Path, name: &str) -> (Sheet, HashMap<(u32, u32), Data>) {
    let mut workbook = open(out);
    let cached = values(&mut workbook, name);
    let formulas = formulas(&mut workbook, name);
    let values = cached
        .iter()
        .filter(|(at, _)| !formulas.contains_key(at))
        .map(|(at, v)| {
            let value = match v {
                Data::Float(x) => Value::Num(*x),
                Data::Int(x) => Value::Num(*x as f64),
                Data::String(t) => Value::Text(t.clone()),
                other => panic!("{name} cell {at:?}: {other:?}"),
            };
            (*at, value)
        })
        .collect();
    (Sheet { values, formulas }, cached)
}

/// The Pricing sheet's table starts below the Parameters block.
const PRICING_HEADER_ROW: u32 = 6;
const EXPENSE_RATIO: (u32, u32) = (1, 1);
const COST_OF_CAPITAL: (u32, u32) = (2, 1);

#[test]
fn the_workbook_holds_every_table_of_the_csvs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = simulate(dir.path(), "run", &[]);
    let mut workbook = open(&out);
    assert_eq!(
        workbook.sheet_names(),
        ["Summary", "Pricing", "ILF", "Exceedance", "Contributions", "Assumptions"],
        "no reinsurance.csv, no Reinsurance sheet"
    );
    for (sheet, csv) in
        [("Summary", "summary.csv"), ("Exceedance", "exceedance.csv"), ("Contributions", "contribution.csv")]
    {
        assert_sheet_is_csv(&mut workbook, sheet, &out, csv, 0);
    }
    // ILF: every cell, formula or not, caches ilf.csv's figure.
    assert_sheet_is_csv(&mut workbook, "ILF", &out, "ilf.csv", ILF_HEADER_ROW);
    // Pricing: every cell, formula or not, caches pricing.csv's figure.
    assert_sheet_is_csv(&mut workbook, "Pricing", &out, "pricing.csv", PRICING_HEADER_ROW);
    let settings = values(&mut workbook, "Assumptions");
    let find = |section: &str, name: &str| {
        let row = (0..200)
            .find(|r| {
                settings.get(&(*r, 0)) == Some(&Data::String(section.into()))
                    && settings.get(&(*r, 1)) == Some(&Data::String(name.into()))
            })
            .unwrap_or_else(|| panic!("no {section}/{name} row in Assumptions"));
        (settings.get(&(row, 2)).cloned(), settings.get(&(row, 3)).cloned())
    };
    let run_json = common::run_json(&out);
    assert_eq!(find("run", "iterations").0, Some(Data::Float(20000.0)));
    assert_eq!(find("run", "seed").0, Some(Data::String(run_json["seed"].to_string())));
    assert_eq!(find("run", "mode").0, Some(Data::String("annual".into())));
    assert_eq!(find("run", "currency").0, Some(Data::String("USD".into())));
    let sha = run_json["inputs"]["assumptions"]["sha256"].as_str().expect("sha256").to_string();
    assert_eq!(find("input", "assumptions").1, Some(Data::String(format!("sha256 {sha}"))));
    assert_eq!(find("pricing", "expense_ratio").0, Some(Data::Float(0.3)));
    let (covered, source) = find("component", "notification");
    assert_eq!(covered, Some(Data::String("covered".into())));
    assert!(matches!(source, Some(Data::String(s)) if s.contains("Zurich")), "the component's source");
}

/// The ILF sheet's table starts below its Parameters block.
const ILF_HEADER_ROW: u32 = 4;
const ILF_COST_OF_CAPITAL: (u32, u32) = (1, 1);
const ILF_SD_MULTIPLE: (u32, u32) = (2, 1);

#[test]
fn the_ilf_formulas_give_the_csv_factors_and_move_with_the_risk_load() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = simulate(dir.path(), "run", &[]);
    let (mut sheet, cached) = evaluable(&out, "ILF");
    let table = Table::read(&out.join("ilf.csv"));
    assert_eq!(sheet.values.get(&ILF_COST_OF_CAPITAL), Some(&Value::Num(0.1)));
    let k = sheet.values.get(&ILF_SD_MULTIPLE).map(Value::num).expect("the sd multiple");
    let row_of = |i: usize| ILF_HEADER_ROW + 1 + i as u32;
    let col = |name: &str| table.col(name) as u32;
    for (i, row) in table.rows.iter().enumerate() {
        for name in ["ilf", "ilf_with_risk_load"] {
            let at = (row_of(i), col(name));
            assert!(sheet.formulas.contains_key(&at), "{name} of row {i} is a formula");
            let text = table.get(row, name);
            match (sheet.eval_cell(at), text.parse::<f64>()) {
                // To the bit: the formula does the report's operations in its order.
                (Value::Num(v), Ok(x)) => {
                    assert_eq!(v, x, "{name} of row {i}");
                    assert_eq!(cached.get(&at), Some(&Data::Float(x)), "{name} of row {i}: cached");
                }
                (Value::Text(v), _) => assert_eq!(v, text, "{name} of row {i}: blank as in the CSV"),
                other => panic!("{name} of row {i}: {other:?} vs {text:?}"),
            }
        }
    }
    // An underwriter doubles the sd multiple: each loaded factor moves as the closed form says.
    sheet.values.insert(ILF_SD_MULTIPLE, Value::Num(2.0 * k));
    let mut moved = 0;
    for (i, row) in table.rows.iter().enumerate() {
        // The base row of each exposure and basis is its first ($1M) limit.
        let base = (0..=i).rev().take_while(|&j| table.rows[j][..2] == row[..2]).last().expect("a base row");
        let loaded = |r: &Vec<String>| table.num(r, "expected_insured_loss") + 0.1 * (2.0 * k) * table.num(r, "sd");
        let expected = loaded(row) / loaded(&table.rows[base]);
        let value = sheet.eval_cell((row_of(i), col("ilf_with_risk_load")));
        if loaded(&table.rows[base]) > 0.0 {
            assert!(common::close(value.num(), expected, 1e-12), "row {i}: {value:?} vs {expected}");
            moved +=
                usize::from(i != base && common::close(table.num(row, "ilf_with_risk_load"), expected, 1e-9).not());
        }
    }
    assert!(moved > 10, "a larger sd multiple moves the loaded factors above the base ({moved})");
}

#[test]
fn the_pricing_formulas_give_the_csv_premiums_and_move_with_the_expense_ratio() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = simulate(dir.path(), "run", &[]);
    let (mut sheet, table, cached) = pricing_sheet(&out);
    assert_eq!(sheet.values.get(&EXPENSE_RATIO), Some(&Value::Num(0.3)));
    assert_eq!(sheet.values.get(&COST_OF_CAPITAL), Some(&Value::Num(0.1)));
    let first = PRICING_HEADER_ROW + 1;
    let row_of = |i: usize| first + i as u32;
    let col = |name: &str| table.col(name) as u32;
    let formula_columns = [
        "risk_load",
        "expense_load",
        "technical_premium",
        "rate_on_line",
        "loss_ratio",
        "standalone_premium",
        "diversification_benefit",
        "market_check",
    ];
    let n = table.rows.len();
    assert!(n > 2 && table.rows[n - 1][0] == "PORTFOLIO", "policies, then the book");
    for (i, row) in table.rows.iter().enumerate() {
        for name in formula_columns {
            let at = (row_of(i), col(name));
            assert!(sheet.formulas.contains_key(&at), "{name} of {} is a formula", row[0]);
            // The formula evaluates to its cached value, which is the CSV's figure.
            let value = sheet.eval_cell(at);
            let text = table.get(row, name);
            match (&value, text.parse::<f64>()) {
                (Value::Num(v), Ok(x)) => {
                    assert!(common::close(*v, x, 1e-12), "{name} of {}: {v} vs {x}", row[0]);
                    assert_eq!(cached.get(&at), Some(&Data::Float(x)), "{name} of {}: cached", row[0]);
                }
                (Value::Text(v), _) => assert_eq!(v, text, "{name} of {}", row[0]),
                other => panic!("{name} of {}: {other:?} vs {text:?}", row[0]),
            }
        }
    }
    // The premium of each policy within 1e-9 of pricing.csv's, and the book's the policies' sum.
    let premium = |sheet: &Sheet, i: usize| sheet.eval_cell((row_of(i), col("technical_premium"))).num();
    for (i, row) in table.rows.iter().enumerate() {
        assert!(common::close(premium(&sheet, i), table.num(row, "technical_premium"), 1e-9));
    }

    // An underwriter changes the expense ratio: every premium moves as the formula says.
    sheet.values.insert(EXPENSE_RATIO, Value::Num(0.25));
    let mut book = 0.0;
    for (i, row) in table.rows.iter().enumerate().take(n - 1) {
        let risk_load = 0.1 * table.num(row, "capital");
        let expected = (table.num(row, "expected_loss") + risk_load) / (1.0 - 0.25);
        let moved = premium(&sheet, i);
        assert!(common::close(moved, expected, 1e-12), "{}: {moved} vs {expected}", row[0]);
        let expense = sheet.eval_cell((row_of(i), col("expense_load"))).num();
        assert!(common::close(expense, 0.25 * expected, 1e-12));
        book += expected;
    }
    assert!(common::close(premium(&sheet, n - 1), book, 1e-12), "the book's premium is the policies'");
    let old = table.num(&table.rows[0], "technical_premium");
    assert!(premium(&sheet, 0) < old, "a lower expense ratio lowers the premium");
    // And the cost of capital: the risk load follows it.
    sheet.values.insert(COST_OF_CAPITAL, Value::Num(0.2));
    for (i, row) in table.rows.iter().enumerate().take(n - 1) {
        let expected = (table.num(row, "expected_loss") + 0.2 * table.num(row, "capital")) / 0.75;
        assert!(common::close(premium(&sheet, i), expected, 1e-12), "{}", row[0]);
    }
    // The book's loss ratio follows its premium.
    let loss_ratio = sheet.eval_cell((row_of(n - 1), col("loss_ratio"))).num();
    let book_el = table.num(&table.rows[n - 1], "expected_loss");
    assert!(common::close(loss_ratio, book_el / premium(&sheet, n - 1), 1e-12));
}

#[test]
fn the_same_run_gives_the_same_workbook_on_any_number_of_threads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let one = simulate(dir.path(), "one", &["--threads", "1"]);
    let two = simulate(dir.path(), "two", &["--threads", "2"]);
    let (a, b) = (std::fs::read(one.join("pricing.xlsx")), std::fs::read(two.join("pricing.xlsx")));
    assert!(a.expect("one") == b.expect("two"), "pricing.xlsx differs between 1 and 2 threads");
}

#[test]
fn without_xlsx_there_is_no_workbook_and_a_shard_refuses_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("plain");
    assert_success(&run(&["simulate", "--no-charts", "--quiet", "--iterations", "2000", "--out", s(&out)]));
    assert!(!entries(&out).contains("pricing.xlsx"));
    let shard = dir.path().join("shard");
    let output = run(&["simulate", "--iterations", "100", "--shard", "1/2", "--xlsx", "--out", s(&shard)]);
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(stderr(&output).contains("--xlsx") && stderr(&output).contains("give them to merge"));
    assert!(!shard.exists());
}

#[test]
fn merge_writes_the_workbook_of_the_unsharded_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let mut shards = Vec::new();
    for k in 1..=2 {
        let out = d.join(format!("shard-{k}"));
        let spec = format!("{k}/2");
        let args = ["simulate", "--quiet", "--iterations", "6000", "--shard", &spec, "--out", s(&out)];
        assert_success(&run(&args));
        shards.push(out);
    }
    let merged = d.join("merged");
    let output = run(&["merge", "--xlsx", "--no-charts", "--quiet", "--out", s(&merged), s(&shards[0]), s(&shards[1])]);
    assert_success(&output);
    let single = d.join("single");
    assert_success(&run(&[
        "simulate",
        "--xlsx",
        "--no-charts",
        "--quiet",
        "--iterations",
        "6000",
        "--out",
        s(&single),
    ]));
    let mut workbook = open(&merged);
    assert!(workbook.sheet_names().contains(&"Pricing".to_string()));
    assert_sheet_is_csv(&mut workbook, "Summary", &merged, "summary.csv", 0);
    let (a, b) = (std::fs::read(merged.join("pricing.xlsx")), std::fs::read(single.join("pricing.xlsx")));
    assert!(a.expect("merged") == b.expect("single"), "the merged workbook differs from the unsharded run's");
}

#[test]
fn treaties_add_a_reinsurance_sheet_and_breach_mode_has_no_pricing_sheet() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut text = std::fs::read_to_string(common::manifest_path("assumptions/default.toml")).expect("defaults");
    text.push_str(
        "\n[[treaty]]\nname = \"risk\"\nkind = \"per_risk_xol\"\nattachment = 1e6\nlimit = 4e6\n\
         reinstatements = 1\npremium = 2e6\n\
         [[treaty]]\nname = \"qs\"\nkind = \"quota_share\"\ncession = 0.25\npremium = 700\n",
    );
    let assumptions = write(dir.path(), "assumptions.toml", text);
    let out = simulate(dir.path(), "treaty", &["--assumptions", s(&assumptions)]);
    let table = Table::read(&out.join("reinsurance.csv"));
    assert!(table.num(&table.rows[0], "reinstatement_premium") > 0.0, "the layer pays for its reinstatement");
    let mut workbook = open(&out);
    assert_eq!(workbook.sheet_names().iter().filter(|n| *n == "Reinsurance").count(), 1);
    assert_sheet_is_csv(&mut workbook, "Reinsurance", &out, "reinsurance.csv", 0);

    let breach = simulate(dir.path(), "breach", &["--mode", "breach"]);
    let workbook = open(&breach);
    assert_eq!(workbook.sheet_names(), ["Summary", "ILF", "Exceedance", "Assumptions"]);
}

#[test]
fn the_evaluator_reads_the_grammar_the_sheet_writes() {
    let mut values = HashMap::new();
    values.insert(cell_ref("B2"), Value::Num(0.3));
    values.insert(cell_ref("A1"), Value::Num(7.0));
    values.insert(cell_ref("A2"), Value::Num(3.0));
    let sheet = Sheet { values, formulas: HashMap::new() };
    assert_eq!(sheet.eval("(A1+A2)/(1-$B$2)"), Value::Num((7.0 + 3.0) / (1.0 - 0.3)));
    assert_eq!(sheet.eval("SUM(A1:A3)"), Value::Num(10.0));
    assert_eq!(sheet.eval("IF(C9>0,A1/C9,\"\")"), Value::Text(String::new()));
    assert_eq!(sheet.eval("IF(OR(C9=\"\",A1=\"\"),\"\",\"x\")"), Value::Text(String::new()));
    assert_eq!(sheet.eval("IF(A1<A2,\"below\",IF(A1>A2,\"above\",\"within\"))"), Value::Text("above".into()));
    assert_eq!(sheet.eval("A1-A2*2"), Value::Num(1.0));
    assert_eq!(cell_ref("$AB$10"), (9, 27));
}
