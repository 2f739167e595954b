//! Zip inspection before inflation (SECURITY-BAR rows 24–25): an uploaded xlsx/docx is checked
//! from its raw bytes — magic, truncation, entry count, declared sizes, overlapping or shared
//! local headers, compression ratio, nested archives — and then every entry is inflated through
//! a counting reader into a fixed 64 KiB buffer that stops at the decompressed-bytes limit
//! (declared sizes can lie). Only bytes that passed [`inspect`] are handed to a parser.
//!
//! Memory: the guard never holds more than the input and one buffer, so a bomb is refused
//! within the size of the upload plus a few hundred KiB, whatever it claims to expand to.

use std::io::Read;

use flate2::read::DeflateDecoder;

/// Local file header signature `PK\x03\x04`.
const LOCAL_SIG: u32 = 0x0403_4b50;
/// Central directory header signature `PK\x01\x02`.
const CENTRAL_SIG: u32 = 0x0201_4b50;
/// End of central directory signature `PK\x05\x06`.
const EOCD_SIG: u32 = 0x0605_4b50;
const EOCD_LEN: usize = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;

/// What an archive may hold. [`Limits::default`] suits office ledgers of a city (135 k measures).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Total decompressed bytes over all entries.
    pub max_decompressed: u64,
    /// Number of entries in the central directory.
    pub max_entries: usize,
    /// Decompressed ÷ compressed size of one entry, checked for entries larger than
    /// [`Limits::ratio_floor`] (tiny entries compress absurdly well and harm no one).
    pub max_ratio: u64,
    /// Entries smaller than this (decompressed) are exempt from the ratio check.
    pub ratio_floor: u64,
    /// Cells a spreadsheet reader may keep (enforced by the reader, not by the zip guard).
    pub max_cells: u64,
    /// Whether an entry may itself be a zip archive. Off: a ledger needs no embedded archives,
    /// and refusing them rules out recursive (42.zip-style) bombs.
    pub allow_nested: bool,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_decompressed: 256 * 1024 * 1024,
            max_entries: 10_000,
            max_ratio: 200,
            ratio_floor: 1024 * 1024,
            max_cells: 5_000_000,
            allow_nested: false,
        }
    }
}

/// Why an archive was refused; each variant names what was exceeded or broken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZipGuardError {
    #[error("不是 xlsx/docx 文件: 文件头不是 zip 格式 (wrong magic bytes: not a zip archive)")]
    NotZip,
    #[error("文件不完整: {0} (truncated archive)")]
    Truncated(&'static str),
    #[error("压缩包条目过多: {count} 个, 上限 {limit} (too many entries)")]
    TooManyEntries { count: usize, limit: usize },
    #[error(
        "解压后过大: {entry} 声明 {declared} 字节, 上限 {limit} (declared size over the limit)"
    )]
    DeclaredTooLarge {
        entry: String,
        declared: u64,
        limit: u64,
    },
    #[error("压缩比过高: {entry} 为 {ratio}:1, 上限 {limit}:1 (compression ratio over the limit)")]
    Ratio {
        entry: String,
        ratio: u64,
        limit: u64,
    },
    #[error("条目重叠: {first} 与 {second} 共用数据 (overlapping entries)")]
    Overlapping { first: String, second: String },
    #[error("条目重名: {0} (duplicate entry name)")]
    Duplicate(String),
    #[error("嵌套压缩包: {0} (nested archive)")]
    Nested(String),
    #[error("解压超过上限 {limit} 字节 (于 {entry}) (decompressed bytes over the limit)")]
    DecompressedTooLarge { entry: String, limit: u64 },
    #[error("条目 {entry} 的实际大小与声明不符 (declared size lies)")]
    SizeMismatch { entry: String },
    #[error("加密的条目: {0} (encrypted entries are not accepted)")]
    Encrypted(String),
    #[error("不支持的压缩方法 {method}: {entry} (unsupported compression method)")]
    Method { entry: String, method: u16 },
    #[error("不支持 zip64 (zip64 archives are not accepted)")]
    Zip64,
    #[error("条目 {entry} 已损坏: {detail} (corrupt entry)")]
    Corrupt { entry: String, detail: String },
}

impl ZipGuardError {
    /// Stable snake_case code for API envelopes.
    pub fn code(&self) -> &'static str {
        match self {
            ZipGuardError::NotZip => "wrong_magic",
            ZipGuardError::Truncated(_) => "truncated",
            ZipGuardError::TooManyEntries { .. } => "too_many_entries",
            ZipGuardError::DeclaredTooLarge { .. } | ZipGuardError::DecompressedTooLarge { .. } => {
                "too_large_uncompressed"
            }
            ZipGuardError::Ratio { .. } => "compression_ratio",
            ZipGuardError::Overlapping { .. } => "overlapping_entries",
            ZipGuardError::Duplicate(_) => "duplicate_entry",
            ZipGuardError::Nested(_) => "nested_archive",
            ZipGuardError::SizeMismatch { .. } => "size_mismatch",
            ZipGuardError::Encrypted(_) => "encrypted",
            ZipGuardError::Method { .. } => "unsupported_method",
            ZipGuardError::Zip64 => "zip64",
            ZipGuardError::Corrupt { .. } => "corrupt_archive",
        }
    }
}

/// One entry as the central directory describes it (after its checks passed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub compressed: u64,
    pub uncompressed: u64,
}

/// What [`inspect`] found in an archive that passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub entries: Vec<Entry>,
    /// Bytes actually inflated (all entries).
    pub decompressed: u64,
}

impl Report {
    pub fn has(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e.name == name)
    }
}

/// Does `bytes` start like a zip archive (local header, or the empty archive's EOCD)?
pub fn looks_like_zip(bytes: &[u8]) -> bool {
    bytes.len() >= 4 && (u32le(bytes, 0) == LOCAL_SIG || u32le(bytes, 0) == EOCD_SIG)
}

fn u16le(b: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([b[at], b[at + 1]])
}

fn u32le(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Locate the end-of-central-directory record: the last `PK\x05\x06` whose comment length
/// reaches exactly the end of the file.
fn find_eocd(b: &[u8]) -> Option<usize> {
    if b.len() < EOCD_LEN {
        return None;
    }
    let lowest = b.len().saturating_sub(EOCD_LEN + u16::MAX as usize);
    (lowest..=b.len() - EOCD_LEN)
        .rev()
        .find(|&i| u32le(b, i) == EOCD_SIG && i + EOCD_LEN + u16le(b, i + 20) as usize == b.len())
}

/// A central directory record with its local header's place.
struct Central {
    name: String,
    flags: u16,
    method: u16,
    crc: u32,
    compressed: u64,
    uncompressed: u64,
    local: usize,
}

/// Check an archive without trusting it, then inflate every entry into a counting sink.
pub fn inspect(bytes: &[u8], limits: &Limits) -> Result<Report, ZipGuardError> {
    inspect_with(bytes, limits, &mut |_, _| {})
}

/// [`inspect`], also handing every inflated chunk to `sink` (entry name, bytes) in order as
/// the guard inflates it, so a reader can take what it needs from the one inflation the guard
/// does anyway. Chunks of an entry that later fails a check have been seen: on an error the
/// caller must drop what it gathered.
pub fn inspect_with(
    bytes: &[u8],
    limits: &Limits,
    sink: &mut dyn FnMut(&str, &[u8]),
) -> Result<Report, ZipGuardError> {
    if !looks_like_zip(bytes) {
        return Err(ZipGuardError::NotZip);
    }
    let eocd = find_eocd(bytes).ok_or(ZipGuardError::Truncated("找不到中央目录结尾"))?;
    let count = u16le(bytes, eocd + 10) as usize;
    let cd_size = u32le(bytes, eocd + 12) as usize;
    let cd_offset = u32le(bytes, eocd + 16) as usize;
    if count == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
        return Err(ZipGuardError::Zip64);
    }
    if u16le(bytes, eocd + 4) != 0 || u16le(bytes, eocd + 8) as usize != count {
        return Err(ZipGuardError::Corrupt {
            entry: "(archive)".into(),
            detail: "多卷压缩包 (multi-disk archive)".into(),
        });
    }
    if count > limits.max_entries {
        return Err(ZipGuardError::TooManyEntries {
            count,
            limit: limits.max_entries,
        });
    }
    if cd_offset.checked_add(cd_size).is_none_or(|end| end > eocd) {
        return Err(ZipGuardError::Truncated("中央目录超出文件"));
    }

    // Central directory.
    let mut centrals = Vec::with_capacity(count);
    let mut at = cd_offset;
    let mut names = std::collections::HashSet::with_capacity(count);
    for _ in 0..count {
        if at + CENTRAL_LEN > cd_offset + cd_size || u32le(bytes, at) != CENTRAL_SIG {
            return Err(ZipGuardError::Truncated("中央目录条目不完整"));
        }
        let name_len = u16le(bytes, at + 28) as usize;
        let extra_len = u16le(bytes, at + 30) as usize;
        let comment_len = u16le(bytes, at + 32) as usize;
        let end = at + CENTRAL_LEN + name_len + extra_len + comment_len;
        if end > cd_offset + cd_size {
            return Err(ZipGuardError::Truncated("中央目录条目不完整"));
        }
        let name = String::from_utf8_lossy(&bytes[at + CENTRAL_LEN..at + CENTRAL_LEN + name_len])
            .into_owned();
        let c = Central {
            flags: u16le(bytes, at + 8),
            method: u16le(bytes, at + 10),
            crc: u32le(bytes, at + 16),
            compressed: u64::from(u32le(bytes, at + 20)),
            uncompressed: u64::from(u32le(bytes, at + 24)),
            local: u32le(bytes, at + 42) as usize,
            name,
        };
        if c.compressed == 0xFFFF_FFFF || c.uncompressed == 0xFFFF_FFFF || c.local == 0xFFFF_FFFF {
            return Err(ZipGuardError::Zip64);
        }
        if !names.insert(c.name.clone()) {
            return Err(ZipGuardError::Duplicate(c.name));
        }
        if c.flags & 1 != 0 {
            return Err(ZipGuardError::Encrypted(c.name));
        }
        if c.method != 0 && c.method != 8 {
            return Err(ZipGuardError::Method {
                entry: c.name,
                method: c.method,
            });
        }
        if c.uncompressed > limits.max_decompressed {
            return Err(ZipGuardError::DeclaredTooLarge {
                entry: c.name,
                declared: c.uncompressed,
                limit: limits.max_decompressed,
            });
        }
        check_ratio(&c.name, c.compressed, c.uncompressed, limits)?;
        centrals.push(c);
        at = end;
    }
    if at != cd_offset + cd_size {
        return Err(ZipGuardError::Corrupt {
            entry: "(archive)".into(),
            detail: "中央目录条目数与大小不符 (entry count does not match the directory size)"
                .into(),
        });
    }
    let declared: u64 = centrals.iter().map(|c| c.uncompressed).sum();
    if declared > limits.max_decompressed {
        let entry = centrals
            .iter()
            .max_by_key(|c| c.uncompressed)
            .map(|c| c.name.clone())
            .unwrap_or_default();
        return Err(ZipGuardError::DeclaredTooLarge {
            entry,
            declared,
            limit: limits.max_decompressed,
        });
    }

    // Local headers: each entry's bytes [header, data end) lie before the central directory
    // and no two share a byte.
    let mut spans = Vec::with_capacity(centrals.len());
    for (i, c) in centrals.iter().enumerate() {
        let h = c.local;
        if h + LOCAL_LEN > cd_offset {
            return Err(ZipGuardError::Truncated("本地文件头超出文件"));
        }
        if u32le(bytes, h) != LOCAL_SIG {
            return Err(ZipGuardError::Corrupt {
                entry: c.name.clone(),
                detail: "本地文件头签名错误".into(),
            });
        }
        let name_len = u16le(bytes, h + 26) as usize;
        let extra_len = u16le(bytes, h + 28) as usize;
        let data = h + LOCAL_LEN + name_len + extra_len;
        let end = data
            .checked_add(c.compressed as usize)
            .ok_or(ZipGuardError::Truncated("条目数据超出文件"))?;
        if end > cd_offset {
            return Err(ZipGuardError::Truncated("条目数据超出文件"));
        }
        if h + LOCAL_LEN + name_len > cd_offset {
            return Err(ZipGuardError::Truncated("本地文件头超出文件"));
        }
        spans.push((h, end, data, i));
    }
    spans.sort_unstable();
    for w in spans.windows(2) {
        if w[1].0 < w[0].1 {
            return Err(ZipGuardError::Overlapping {
                first: centrals[w[0].3].name.clone(),
                second: centrals[w[1].3].name.clone(),
            });
        }
    }
    for &(h, _, _, i) in &spans {
        let name_len = u16le(bytes, h + 26) as usize;
        let local = &bytes[h + LOCAL_LEN..h + LOCAL_LEN + name_len];
        if String::from_utf8_lossy(local) != centrals[i].name {
            return Err(ZipGuardError::Corrupt {
                entry: centrals[i].name.clone(),
                detail: "本地文件头与中央目录名称不一致".into(),
            });
        }
    }

    // Inflate through a counting sink, in central-directory order.
    let mut total = 0u64;
    let mut buf = vec![0u8; 64 * 1024];
    let mut entries = Vec::with_capacity(centrals.len());
    for &(_, end, data, i) in &spans {
        let c = &centrals[i];
        let raw = &bytes[data..end];
        let mut n = 0u64;
        let mut crc = flate2::Crc::new();
        let mut head = [0u8; 4];
        let mut head_len = 0;
        let mut reader: Box<dyn Read> = if c.method == 0 {
            Box::new(raw)
        } else {
            Box::new(DeflateDecoder::new(raw))
        };
        loop {
            // Never ask for more than one byte past what the entry may still produce.
            let room = (c.uncompressed - n.min(c.uncompressed)) + 1;
            let want = buf
                .len()
                .min(room.min(limits.max_decompressed - total + 1) as usize);
            let got = reader
                .read(&mut buf[..want.max(1)])
                .map_err(|e| ZipGuardError::Corrupt {
                    entry: c.name.clone(),
                    detail: e.to_string(),
                })?;
            if got == 0 {
                break;
            }
            if head_len < 4 {
                let k = (4 - head_len).min(got);
                head[head_len..head_len + k].copy_from_slice(&buf[..k]);
                head_len += k;
            }
            crc.update(&buf[..got]);
            n += got as u64;
            total += got as u64;
            if total > limits.max_decompressed {
                return Err(ZipGuardError::DecompressedTooLarge {
                    entry: c.name.clone(),
                    limit: limits.max_decompressed,
                });
            }
            if n > c.uncompressed {
                return Err(ZipGuardError::SizeMismatch {
                    entry: c.name.clone(),
                });
            }
            sink(&c.name, &buf[..got]);
        }
        if n != c.uncompressed {
            return Err(ZipGuardError::SizeMismatch {
                entry: c.name.clone(),
            });
        }
        if crc.sum() != c.crc {
            return Err(ZipGuardError::Corrupt {
                entry: c.name.clone(),
                detail: "CRC 校验失败".into(),
            });
        }
        if !limits.allow_nested && head_len == 4 && looks_like_zip(&head) {
            return Err(ZipGuardError::Nested(c.name.clone()));
        }
        entries.push(Entry {
            name: c.name.clone(),
            compressed: c.compressed,
            uncompressed: n,
        });
    }
    Ok(Report {
        entries,
        decompressed: total,
    })
}

fn check_ratio(
    name: &str,
    compressed: u64,
    uncompressed: u64,
    limits: &Limits,
) -> Result<(), ZipGuardError> {
    if uncompressed <= limits.ratio_floor {
        return Ok(());
    }
    let ratio = uncompressed / compressed.max(1);
    if ratio > limits.max_ratio {
        return Err(ZipGuardError::Ratio {
            entry: name.to_string(),
            ratio,
            limit: limits.max_ratio,
        });
    }
    Ok(())
}

/// Crafted archives for tests: each builder writes the bytes of one attack.
#[cfg(any(test, feature = "test-bombs"))]
#[allow(clippy::unwrap_used)]
pub mod bombs {
    use std::io::Write;

    use flate2::Compression;
    use flate2::write::DeflateEncoder;

    /// An entry to write by hand: name, the data as stored, and the header fields (which a
    /// bomb may set to lies).
    pub struct Raw {
        pub name: String,
        pub method: u16,
        pub data: Vec<u8>,
        pub crc: u32,
        pub compressed: u32,
        pub uncompressed: u32,
    }

    pub fn deflate(plain: &[u8]) -> Vec<u8> {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::best());
        e.write_all(plain).unwrap();
        e.finish().unwrap()
    }

    /// Deflate a stream of `n` zero bytes without holding them.
    pub fn deflate_zeros(n: u64) -> Vec<u8> {
        let mut e = DeflateEncoder::new(Vec::new(), Compression::best());
        let chunk = vec![0u8; 1 << 20];
        let mut left = n;
        while left > 0 {
            let k = left.min(chunk.len() as u64) as usize;
            e.write_all(&chunk[..k]).unwrap();
            left -= k as u64;
        }
        e.finish().unwrap()
    }

    pub fn crc(plain: &[u8]) -> u32 {
        let mut c = flate2::Crc::new();
        c.update(plain);
        c.sum()
    }

    /// A deflated entry with truthful headers.
    pub fn entry(name: &str, plain: &[u8]) -> Raw {
        let data = deflate(plain);
        Raw {
            name: name.into(),
            method: 8,
            compressed: data.len() as u32,
            uncompressed: plain.len() as u32,
            crc: crc(plain),
            data,
        }
    }

    /// Lay out entries; `shared` lists (entry index, index of an earlier entry) whose central
    /// record points at the earlier entry's local header (overlapping entries).
    pub fn archive(entries: &[Raw], shared: &[(usize, usize)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut offsets = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            if let Some(&(_, to)) = shared.iter().find(|(from, _)| *from == i) {
                offsets.push(offsets[to]);
                continue;
            }
            offsets.push(out.len() as u32);
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&20u16.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&e.method.to_le_bytes());
            out.extend_from_slice(&[0, 0, 0x21, 0]);
            out.extend_from_slice(&e.crc.to_le_bytes());
            out.extend_from_slice(&e.compressed.to_le_bytes());
            out.extend_from_slice(&e.uncompressed.to_le_bytes());
            out.extend_from_slice(&(e.name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(e.name.as_bytes());
            out.extend_from_slice(&e.data);
        }
        let cd = out.len() as u32;
        for (e, off) in entries.iter().zip(&offsets) {
            let name = e.name.as_str();
            out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
            out.extend_from_slice(&20u16.to_le_bytes());
            out.extend_from_slice(&20u16.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(&e.method.to_le_bytes());
            out.extend_from_slice(&[0, 0, 0x21, 0]);
            out.extend_from_slice(&e.crc.to_le_bytes());
            out.extend_from_slice(&e.compressed.to_le_bytes());
            out.extend_from_slice(&e.uncompressed.to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&[0u8; 12]);
            out.extend_from_slice(&off.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
        }
        let cd_len = out.len() as u32 - cd;
        out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
        out.extend_from_slice(&[0u8; 4]);
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&(entries.len() as u16).to_le_bytes());
        out.extend_from_slice(&cd_len.to_le_bytes());
        out.extend_from_slice(&cd.to_le_bytes());
        out.extend_from_slice(&0u16.to_le_bytes());
        out
    }

    /// One "sheet" of `n` zero bytes with truthful headers: a huge-ratio entry.
    pub fn huge_ratio(n: u32) -> Vec<u8> {
        let data = deflate_zeros(u64::from(n));
        let mut c = flate2::Crc::new();
        let chunk = vec![0u8; 1 << 20];
        let mut left = n as usize;
        while left > 0 {
            let k = left.min(chunk.len());
            c.update(&chunk[..k]);
            left -= k;
        }
        archive(
            &[Raw {
                name: "xl/worksheets/sheet1.xml".into(),
                method: 8,
                compressed: data.len() as u32,
                uncompressed: n,
                crc: c.sum(),
                data,
            }],
            &[],
        )
    }

    /// A sheet that claims to be small but inflates to `n` bytes (lying sizes, ratio
    /// check passed by the lie).
    pub fn lying_sizes(n: u64) -> Vec<u8> {
        let data = deflate_zeros(n);
        archive(
            &[Raw {
                name: "xl/worksheets/sheet1.xml".into(),
                method: 8,
                compressed: data.len() as u32,
                uncompressed: data.len() as u32,
                crc: 0,
                data,
            }],
            &[],
        )
    }

    /// `n` tiny entries (the classic 100 k entries archive); over 65 535 the count wraps,
    /// as real zip tools write without zip64.
    pub fn many_entries(n: usize) -> Vec<u8> {
        let v: Vec<Raw> = (0..n).map(|i| entry(&format!("f/{i}"), b"x")).collect();
        archive(&v, &[])
    }

    /// Entries whose central records all point at one local header (overlapping, 'zbsm' style).
    pub fn overlapping(copies: usize) -> Vec<u8> {
        let plain = vec![b'<'; 512 * 1024];
        let mut v = Vec::new();
        let mut shared = Vec::new();
        for i in 0..copies {
            v.push(entry(&format!("xl/worksheets/sheet{i}.xml"), &plain));
            if i > 0 {
                shared.push((i, 0));
            }
        }
        archive(&v, &shared)
    }

    /// A zip inside a zip, the inner one a bomb (42.zip style, one level).
    pub fn nested() -> Vec<u8> {
        let inner = huge_ratio(50 * 1024 * 1024);
        archive(&[entry("xl/embeddings/inner.zip", &inner)], &[])
    }
}

#[cfg(test)]
mod tests {
    use super::bombs::*;
    use super::*;

    fn small() -> Limits {
        Limits {
            max_decompressed: 8 * 1024 * 1024,
            ..Limits::default()
        }
    }

    #[test]
    fn a_plain_archive_passes_and_is_counted() {
        let z = archive(
            &[
                entry("[Content_Types].xml", b"<Types/>"),
                entry("xl/workbook.xml", b"<workbook/>"),
            ],
            &[],
        );
        let r = inspect(&z, &Limits::default()).unwrap();
        assert_eq!(r.entries.len(), 2);
        assert_eq!(r.decompressed, 8 + 11);
        assert!(r.has("xl/workbook.xml"));
    }

    #[test]
    fn archives_written_by_the_zip_crate_pass() {
        use std::io::Write;
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let o = zip::write::SimpleFileOptions::default();
        w.start_file("a.xml", o).unwrap();
        w.write_all(&b"<row/>".repeat(1000)).unwrap();
        w.start_file("b.xml", o).unwrap();
        w.write_all(b"hello").unwrap();
        let z = w.finish().unwrap().into_inner();
        let r = inspect(&z, &Limits::default()).unwrap();
        assert_eq!(r.decompressed, 6005);
    }

    #[test]
    fn wrong_magic_and_truncation_are_named() {
        assert_eq!(
            inspect(b"\xD0\xCF\x11\xE0 old xls", &Limits::default()),
            Err(ZipGuardError::NotZip)
        );
        assert_eq!(inspect(b"", &Limits::default()), Err(ZipGuardError::NotZip));
        let z = archive(&[entry("a.xml", &b"<a/>".repeat(500))], &[]);
        for cut in [10, z.len() / 2, z.len() - 1] {
            let e = inspect(&z[..cut], &Limits::default()).unwrap_err();
            assert!(matches!(e, ZipGuardError::Truncated(_)), "{cut}: {e:?}");
            assert_eq!(e.code(), "truncated");
        }
    }

    #[test]
    fn a_huge_ratio_sheet_is_refused_by_its_declared_ratio() {
        let z = huge_ratio(64 * 1024 * 1024);
        assert!(z.len() < 200 * 1024, "{}", z.len());
        let e = inspect(&z, &Limits::default()).unwrap_err();
        assert!(
            matches!(e, ZipGuardError::Ratio { ratio, .. } if ratio > 200),
            "{e:?}"
        );
        // Over the byte budget too, when the ratio check is relaxed.
        let relaxed = Limits {
            max_ratio: u64::MAX,
            ..small()
        };
        let e = inspect(&z, &relaxed).unwrap_err();
        assert!(matches!(e, ZipGuardError::DeclaredTooLarge { .. }), "{e:?}");
    }

    #[test]
    fn lying_sizes_stop_at_the_byte_limit() {
        let z = lying_sizes(64 * 1024 * 1024);
        // The header claims ratio 1:1 and a small size; only inflating shows the truth.
        let e = inspect(&z, &small()).unwrap_err();
        assert!(matches!(e, ZipGuardError::SizeMismatch { .. }), "{e:?}");
        // With the declared size unchecked by a huge budget, the counting reader still stops
        // at the byte limit.
        let mut raw = vec![entry("a", b"")];
        raw[0].data = deflate_zeros(64 * 1024 * 1024);
        raw[0].compressed = raw[0].data.len() as u32;
        raw[0].uncompressed = 7 * 1024 * 1024;
        let e = inspect(&archive(&raw, &[]), &small()).unwrap_err();
        assert!(matches!(e, ZipGuardError::SizeMismatch { .. }), "{e:?}");
        raw[0].uncompressed = 16 * 1024 * 1024;
        let lim = Limits {
            max_ratio: u64::MAX,
            max_decompressed: 16 * 1024 * 1024,
            ..small()
        };
        let two = [raw.pop().unwrap(), entry("b", b"b")];
        let mut two = two;
        two[1].data = deflate_zeros(64 * 1024 * 1024);
        two[1].compressed = two[1].data.len() as u32;
        two[1].uncompressed = 0;
        let e = inspect(&archive(&two, &[]), &lim).unwrap_err();
        assert!(
            matches!(
                e,
                ZipGuardError::DecompressedTooLarge { .. } | ZipGuardError::SizeMismatch { .. }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn a_hundred_thousand_entries_are_refused() {
        let z = many_entries(100_000);
        let e = inspect(&z, &Limits::default()).unwrap_err();
        // 100 000 wraps to 34 464 in the 16-bit count: still over the cap.
        assert!(matches!(e, ZipGuardError::TooManyEntries { .. }), "{e:?}");
        assert_eq!(e.code(), "too_many_entries");
    }

    #[test]
    fn overlapping_entries_are_refused() {
        let z = overlapping(3);
        let e = inspect(&z, &Limits::default()).unwrap_err();
        assert!(matches!(e, ZipGuardError::Overlapping { .. }), "{e:?}");
        // zbsm style: the first entry's declared data runs over the second's local header.
        let plain = vec![b'<'; 4096];
        let mut v = vec![entry("a.xml", &plain), entry("b.xml", &plain)];
        v[0].compressed += (30 + 5 + v[1].data.len()) as u32;
        let e = inspect(&archive(&v, &[]), &Limits::default()).unwrap_err();
        assert_eq!(
            e,
            ZipGuardError::Overlapping {
                first: "a.xml".into(),
                second: "b.xml".into()
            }
        );
    }

    #[test]
    fn a_nested_archive_is_refused() {
        let e = inspect(&nested(), &Limits::default()).unwrap_err();
        assert_eq!(e, ZipGuardError::Nested("xl/embeddings/inner.zip".into()));
    }
}
