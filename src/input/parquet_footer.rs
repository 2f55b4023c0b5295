//! A structural check of a Parquet file's footer before polars decodes it.
//!
//! polars' metadata decoder sizes each list of the footer (row groups, schema elements,
//! column chunks, ...) from its header before reading it, so a corrupt file of a few kilobytes
//! that claims two billion row groups makes it allocate tens of gigabytes, and the process
//! aborts: a failed allocation is not a panic that `catch_unwind` could catch. This walk of
//! the footer's Thrift compact encoding checks that every length and count fits in the bytes
//! that remain, without allocating, so such a file is an input error instead.
//!
//! polars reads the fields it knows by their id, whatever type their header declares, so a
//! generic walk is not enough: a field that polars reads as a list but whose header says
//! "integer" would be skipped here and decoded there. The fields polars reads (parquet.thrift's
//! `FileMetaData`, `SchemaElement`, `RowGroup`, `ColumnChunk`, `ColumnMetaData`, `Statistics`,
//! `KeyValue`, `SortingColumn`) must therefore have their specified types; the others are
//! skipped by their declared type, as polars skips them.
//!
//! The same goes for the data: polars sizes a page's buffers from the value count and sizes
//! in its header, and a few bytes of dictionary or run-length encoding can legitimately stand
//! for billions of values. So the counts are bounded too (row counts, values per column chunk
//! and page, page sizes: far above any exposures table), and every page header of every column
//! chunk is walked the same way.
//!
//! Format: `PAR1`, the data, the `FileMetaData` struct (Thrift compact protocol), its length
//! (u32, little-endian), `PAR1`. See
//! <https://github.com/apache/thrift/blob/master/doc/specs/thrift-compact-protocol.md>.

/// Nesting deeper than this is refused (the Parquet schema nests structs a few levels; polars
/// skips unknown fields up to 64 levels).
const MAX_DEPTH: usize = 64;

/// The most rows, or values of one column chunk or page, accepted: an exposures table has
/// thousands of rows, not tens of millions.
pub const MAX_VALUES: i64 = 10_000_000;
/// The largest page accepted, compressed or not.
const MAX_PAGE_BYTES: i64 = 256 * 1024 * 1024;
/// The largest fixed-size binary value (a UUID is 16 bytes, a decimal at most 32).
const MAX_FIXED_SIZE: i64 = 64 * 1024;
/// The most children of one schema element (columns of a struct).
const MAX_CHILDREN: i64 = 100_000;

/// Checks the footer and the page headers of `bytes` (which starts and ends with `PAR1`); the
/// error says what is wrong, for a message about the file.
pub fn check(bytes: &[u8]) -> Result<(), String> {
    let n = bytes.len();
    if n < 12 {
        return Err("is too short to hold a Parquet footer".to_string());
    }
    let mut length = [0u8; 4];
    length.copy_from_slice(&bytes[n - 8..n - 4]);
    let length = u32::from_le_bytes(length) as usize;
    if length > n - 12 {
        return Err(format!("its footer claims {length} bytes of metadata but the file has {n} bytes"));
    }
    let data_end = n - 8 - length;
    let mut footer = Reader::new(&bytes[data_end..n - 8], false);
    footer.skip_struct(Kind::FileMetaData, 0)?;
    for chunk in &footer.chunks {
        check_pages(bytes, data_end, chunk)?;
    }
    Ok(())
}

/// Walks the page headers of one column chunk: each must fit in the chunk, with bounded counts.
fn check_pages(bytes: &[u8], data_end: usize, chunk: &Chunk) -> Result<(), String> {
    // As polars reads it: from the dictionary page if there is one, else the first data page.
    let start = match chunk.dictionary_page_offset {
        Some(offset) => offset,
        None => chunk.data_page_offset.ok_or("a column chunk has no data page offset")?,
    };
    let size = chunk.total_compressed_size.ok_or("a column chunk has no size")?;
    let end = start.checked_add(size).ok_or("a column chunk's size overflows")?;
    if start < 4 || size < 0 || end > data_end as i64 {
        return Err(format!("a column chunk spans bytes {start} to {end}, outside the data (4 to {data_end})"));
    }
    let (mut position, end) = (start as usize, end as usize);
    while position < end {
        let mut header = Reader::new(&bytes[position..end], true);
        header.skip_struct(Kind::PageHeader, 0)?;
        let compressed = header.page_compressed_size.ok_or("a page header has no compressed size")?;
        if compressed < 0 || compressed as u64 > header.remaining() as u64 {
            return Err(format!(
                "a page claims {compressed} bytes in the {} left of its column chunk",
                header.remaining()
            ));
        }
        position += header.pos + compressed as usize;
    }
    Ok(())
}

/// The numbers of a column chunk's metadata the page walk needs.
#[derive(Debug, Default)]
struct Chunk {
    data_page_offset: Option<i64>,
    dictionary_page_offset: Option<i64>,
    total_compressed_size: Option<i64>,
}

/// The Parquet structs whose fields polars decodes by id; `Any` is skipped field by field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    FileMetaData,
    SchemaElement,
    RowGroup,
    ColumnChunk,
    ColumnMetaData,
    Statistics,
    KeyValue,
    SortingColumn,
    LogicalType,
    DecimalType,
    TimeType,
    IntType,
    TimeUnit,
    ColumnOrder,
    PageHeader,
    DataPageHeader,
    DictionaryPageHeader,
    DataPageHeaderV2,
    Any,
}

/// The specified shape of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// i16, i32 or i64: a zigzag varint whichever it is.
    Int,
    /// i8: one byte.
    Byte,
    Bool,
    Binary,
    Struct(Kind),
    ListOfInt,
    ListOfBinary,
    ListOf(Kind),
}

/// The shape polars expects of field `id` of `kind` (parquet.thrift), if it decodes it.
fn expected(kind: Kind, id: i64) -> Option<Shape> {
    use Shape::*;
    let shape = match (kind, id) {
        (Kind::FileMetaData, 1 | 3) => Int,
        (Kind::FileMetaData, 2) => ListOf(Kind::SchemaElement),
        (Kind::FileMetaData, 4) => ListOf(Kind::RowGroup),
        (Kind::FileMetaData, 5) => ListOf(Kind::KeyValue),
        (Kind::FileMetaData, 6) => Binary,
        (Kind::FileMetaData, 7) => ListOf(Kind::ColumnOrder),
        (Kind::SchemaElement, 1..=3 | 5..=9) => Int,
        (Kind::SchemaElement, 4) => Binary,
        (Kind::SchemaElement, 10) => Struct(Kind::LogicalType),
        // Unions whose variants polars reads as (mostly empty) structs, whatever their header says.
        (Kind::LogicalType, 1..=4 | 6 | 11..=15) | (Kind::TimeUnit, 1..=3) | (Kind::ColumnOrder, 1 | 2) => {
            Struct(Kind::Any)
        }
        (Kind::LogicalType, 5) => Struct(Kind::DecimalType),
        (Kind::LogicalType, 7 | 8) => Struct(Kind::TimeType),
        (Kind::LogicalType, 10) => Struct(Kind::IntType),
        (Kind::DecimalType, 1 | 2) => Int,
        (Kind::TimeType, 1) | (Kind::IntType, 2) => Bool,
        (Kind::TimeType, 2) => Struct(Kind::TimeUnit),
        (Kind::IntType, 1) => Byte,
        (Kind::RowGroup, 1) => ListOf(Kind::ColumnChunk),
        (Kind::RowGroup, 2 | 3 | 5..=7) => Int,
        (Kind::RowGroup, 4) => ListOf(Kind::SortingColumn),
        (Kind::ColumnChunk, 1) => Binary,
        (Kind::ColumnChunk, 2 | 4..=7) => Int,
        (Kind::ColumnChunk, 3) => Struct(Kind::ColumnMetaData),
        (Kind::ColumnMetaData, 1 | 4..=7 | 9..=11 | 14 | 15) => Int,
        (Kind::ColumnMetaData, 2) => ListOfInt,
        (Kind::ColumnMetaData, 3) => ListOfBinary,
        (Kind::ColumnMetaData, 12) => Struct(Kind::Statistics),
        (Kind::Statistics, 1 | 2 | 5 | 6) => Binary,
        (Kind::Statistics, 3 | 4) => Int,
        (Kind::Statistics, 7 | 8) => Bool,
        (Kind::KeyValue, 1 | 2) => Binary,
        (Kind::SortingColumn, 1) => Int,
        (Kind::SortingColumn, 2 | 3) => Bool,
        (Kind::PageHeader, 1..=4) => Int,
        (Kind::PageHeader, 5) => Struct(Kind::DataPageHeader),
        (Kind::PageHeader, 6) => Struct(Kind::Any),
        (Kind::PageHeader, 7) => Struct(Kind::DictionaryPageHeader),
        (Kind::PageHeader, 8) => Struct(Kind::DataPageHeaderV2),
        (Kind::DataPageHeader, 1..=4) => Int,
        (Kind::DataPageHeader, 5) => Struct(Kind::Statistics),
        (Kind::DictionaryPageHeader, 1 | 2) => Int,
        (Kind::DictionaryPageHeader, 3) => Bool,
        (Kind::DataPageHeaderV2, 1..=6) => Int,
        (Kind::DataPageHeaderV2, 7) => Bool,
        (Kind::DataPageHeaderV2, 8) => Struct(Kind::Statistics),
        _ => return None,
    };
    Some(shape)
}

/// Whether a declared type code fits a shape.
fn declared_fits(shape: Shape, declared: u8) -> bool {
    match shape {
        Shape::Int => matches!(declared, I16 | I32 | I64),
        Shape::Byte => declared == BYTE,
        Shape::Bool => matches!(declared, BOOL_TRUE | BOOL_FALSE),
        Shape::Binary => declared == BINARY,
        Shape::Struct(_) => declared == STRUCT,
        Shape::ListOfInt | Shape::ListOfBinary | Shape::ListOf(_) => declared == LIST,
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    /// The column chunks met, in order.
    chunks: Vec<Chunk>,
    /// The compressed size of the page whose header was read.
    page_compressed_size: Option<i64>,
    /// Whether skipping a boolean element of a list consumes a byte. The Thrift library that
    /// decodes page headers reads one; polars' own footer decoder skips none (it treats the
    /// element like a struct field's boolean, held in the field header), and the walk must
    /// follow the decoder it stands in front of.
    list_booleans_take_a_byte: bool,
}

/// Thrift compact protocol type codes.
const BOOL_TRUE: u8 = 1;
const BOOL_FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
const STRUCT: u8 = 12;

impl<'a> Reader<'a> {
    fn new(buf: &'a [u8], list_booleans_take_a_byte: bool) -> Self {
        Reader { buf, pos: 0, chunks: Vec::new(), page_compressed_size: None, list_booleans_take_a_byte }
    }

    /// Keeps (and bounds) the integers that size what polars allocates.
    fn record(&mut self, kind: Kind, id: i64, value: i64) -> Result<(), String> {
        let (what, limit) = match (kind, id) {
            (Kind::FileMetaData, 3) | (Kind::RowGroup, 3) | (Kind::DataPageHeaderV2, 3) => ("rows", MAX_VALUES),
            (Kind::ColumnMetaData, 5)
            | (Kind::DataPageHeader, 1)
            | (Kind::DictionaryPageHeader, 1)
            | (Kind::DataPageHeaderV2, 1 | 2) => ("values", MAX_VALUES),
            (Kind::PageHeader, 2 | 3) | (Kind::DataPageHeaderV2, 5 | 6) => ("bytes in a page", MAX_PAGE_BYTES),
            (Kind::ColumnMetaData, 6 | 7) | (Kind::RowGroup, 2 | 6) => ("bytes in a column chunk", i64::MAX),
            (Kind::SchemaElement, 2) => ("bytes in a fixed-size value", MAX_FIXED_SIZE),
            (Kind::SchemaElement, 5) => ("children of a schema element", MAX_CHILDREN),
            _ => ("", i64::MAX),
        };
        // Counts and sizes are never negative (polars would turn -1 into a huge usize).
        if value > limit || (!what.is_empty() && value < 0) {
            return Err(format!("it claims {value} {what}; expected 0 to {limit}"));
        }
        match (kind, id) {
            (Kind::ColumnMetaData, 7 | 9 | 11) => {
                let chunk = self.chunks.last_mut().ok_or("its metadata has column metadata outside a column chunk")?;
                match id {
                    7 => chunk.total_compressed_size = Some(value),
                    9 => chunk.data_page_offset = Some(value),
                    _ => chunk.dictionary_page_offset = Some(value),
                }
            }
            (Kind::PageHeader, 3) => self.page_compressed_size = Some(value),
            _ => {}
        }
        Ok(())
    }

    fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.buf.get(self.pos).ok_or("its metadata ends in the middle of a value")?;
        self.pos += 1;
        Ok(b)
    }

    fn skip_bytes(&mut self, count: u64) -> Result<(), String> {
        if count > self.remaining() as u64 {
            return Err(format!("its metadata holds a value of {count} bytes in the {} that remain", self.remaining()));
        }
        self.pos += count as usize;
        Ok(())
    }

    /// A compact-protocol list or set header: the elements' type and their count (in the
    /// header's high nibble, or a varint after it when the nibble is 15).
    fn list_header(&mut self) -> Result<(u8, u64), String> {
        let header = self.byte()?;
        let count = match header >> 4 {
            15 => self.varint()?,
            small => u64::from(small),
        };
        Ok((header & 0x0f, count))
    }

    /// An unsigned LEB128 varint (at most 10 bytes).
    fn varint(&mut self) -> Result<u64, String> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            value |= u64::from(b & 0x7f).checked_shl(shift).unwrap_or(0);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("its metadata holds a number longer than 10 bytes".to_string())
    }

    /// A count of `count` values, each at least one byte: it must fit in what remains.
    fn check_count(&self, count: u64, what: &str) -> Result<(), String> {
        if count > self.remaining() as u64 {
            return Err(format!(
                "its metadata claims a {what} of {count} entries in the {} bytes that remain (corrupt?)",
                self.remaining()
            ));
        }
        Ok(())
    }

    fn skip_struct(&mut self, kind: Kind, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("its metadata nests more than {MAX_DEPTH} levels deep"));
        }
        let mut last_id: i64 = 0;
        loop {
            let header = self.byte()?;
            let field_type = header & 0x0f;
            if field_type == 0 {
                return Ok(());
            }
            let id = match header >> 4 {
                // A full field id follows (a zigzag varint).
                0 => {
                    let zigzag = self.varint()?;
                    (zigzag >> 1) as i64 ^ -((zigzag & 1) as i64)
                }
                delta => last_id + i64::from(delta),
            };
            last_id = id;
            match expected(kind, id) {
                Some(shape) => {
                    if !declared_fits(shape, field_type) {
                        return Err(format!(
                            "its metadata gives field {id} of {kind:?} the Thrift type {field_type}; expected {shape:?}"
                        ));
                    }
                    match shape {
                        Shape::Int => {
                            let zigzag = self.varint()?;
                            self.record(kind, id, (zigzag >> 1) as i64 ^ -((zigzag & 1) as i64))?;
                        }
                        Shape::Struct(Kind::ColumnMetaData) => {
                            self.chunks.push(Chunk::default());
                            self.skip_shape(shape, depth + 1)?;
                        }
                        _ => self.skip_shape(shape, depth + 1)?,
                    }
                }
                // Booleans are in the field header.
                None if matches!(field_type, BOOL_TRUE | BOOL_FALSE) => {}
                None => self.skip_value(field_type, depth + 1)?,
            }
        }
    }

    /// A field of a known shape (its declared type already checked).
    fn skip_shape(&mut self, shape: Shape, depth: usize) -> Result<(), String> {
        let (element_fits, element): (fn(u8) -> bool, Option<Kind>) = match shape {
            Shape::Bool => return Ok(()),
            Shape::Int => return self.varint().map(|_| ()),
            Shape::Byte => return self.skip_bytes(1),
            Shape::Binary => return self.skip_value(BINARY, depth),
            Shape::Struct(kind) => return self.skip_struct(kind, depth),
            Shape::ListOfInt => (|t| matches!(t, I16 | I32 | I64), None),
            Shape::ListOfBinary => (|t| t == BINARY, None),
            Shape::ListOf(kind) => (|t| t == STRUCT, Some(kind)),
        };
        let (element_type, count) = self.list_header()?;
        if count == 0 {
            return Ok(());
        }
        if !element_fits(element_type) {
            return Err(format!("its metadata holds a list of Thrift type {element_type}; expected {shape:?}"));
        }
        self.check_count(count, "list")?;
        for _ in 0..count {
            match element {
                Some(kind) => self.skip_struct(kind, depth + 1)?,
                None => self.skip_value(element_type, depth + 1)?,
            }
        }
        Ok(())
    }

    fn skip_value(&mut self, value_type: u8, depth: usize) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("its metadata nests more than {MAX_DEPTH} levels deep"));
        }
        match value_type {
            // Inside lists, a boolean is one byte (but see `list_booleans_take_a_byte`).
            BOOL_TRUE | BOOL_FALSE if !self.list_booleans_take_a_byte => Ok(()),
            BOOL_TRUE | BOOL_FALSE | BYTE => self.skip_bytes(1),
            I16 | I32 | I64 => self.varint().map(|_| ()),
            DOUBLE => self.skip_bytes(8),
            BINARY => {
                let length = self.varint()?;
                self.skip_bytes(length)
            }
            LIST | SET => {
                let (element_type, count) = self.list_header()?;
                if count == 0 {
                    return Ok(());
                }
                self.check_count(count, "list")?;
                for _ in 0..count {
                    self.skip_value(element_type, depth + 1)?;
                }
                Ok(())
            }
            MAP => {
                let count = self.varint()?;
                if count == 0 {
                    return Ok(());
                }
                self.check_count(count.saturating_mul(2), "map")?;
                let types = self.byte()?;
                for _ in 0..count {
                    self.skip_value(types >> 4, depth + 1)?;
                    self.skip_value(types & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            STRUCT => self.skip_struct(Kind::Any, depth),
            other => Err(format!("its metadata holds an unknown Thrift type {other}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(metadata: &[u8]) -> Vec<u8> {
        let mut bytes = b"PAR1".to_vec();
        bytes.extend_from_slice(metadata);
        bytes.extend_from_slice(&(metadata.len() as u32).to_le_bytes());
        bytes.extend_from_slice(b"PAR1");
        bytes
    }

    #[test]
    fn a_well_formed_footer_passes() {
        // version = 1 (i32), schema = [] (list of structs), num_rows = 3 (i64), stop.
        let metadata = [0x15, 0x02, 0x19, 0x0c, 0x16, 0x06, 0x00];
        assert_eq!(check(&file(&metadata)), Ok(()));
    }

    #[test]
    fn a_list_claiming_more_entries_than_bytes_is_refused() {
        // field 4 (row_groups), a list of structs with 2^31 - 1 entries, then almost nothing.
        let metadata = [0x49, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00, 0x00];
        let error = check(&file(&metadata)).expect_err("must be refused");
        assert!(error.contains("2147483647 entries"), "{error}");
    }

    #[test]
    fn a_field_polars_reads_as_a_list_must_be_declared_a_list() {
        // field 4 (row_groups) declared an i32: polars would still read a list header there.
        let metadata = [0x45, 0xfc, 0xff, 0xff, 0xff, 0xff, 0x07, 0x00, 0x00];
        let error = check(&file(&metadata)).expect_err("must be refused");
        assert!(error.contains("field 4 of FileMetaData"), "{error}");
        // An unknown field is skipped by its declared type.
        assert_eq!(check(&file(&[0x0c, 0x28, 0x00, 0x00])), Ok(()));
    }

    #[test]
    fn truncated_or_overlong_footers_are_refused() {
        assert!(check(&file(&[0x15])).is_err());
        let mut bytes = file(&[0x00]);
        let n = bytes.len();
        bytes[n - 8..n - 4].copy_from_slice(&1000u32.to_le_bytes());
        assert!(check(&bytes).expect_err("too long").contains("1000 bytes of metadata"));
        // An unknown field 20 holding structs nested 200 deep.
        let mut deep = vec![0x0c, 0x28];
        deep.extend([0x1c; 200]);
        assert!(check(&file(&deep)).expect_err("too deep").contains("levels deep"));
    }
}
