//! Intake: which uploads may become a link's document, judged by their content alone.
//!
//! There is no file name or declared content type in this API, on purpose: both come from the
//! uploader and can say anything. A PDF named `report.docx` is a PDF; a program named
//! `report.pdf` is refused. Nothing here reads, renders or unpacks a document beyond the few
//! bytes that say what it is.

use crate::scan::ScanError;

/// The kinds of document a link may hold: the reports social workers exchange (Child
/// Permanence Report, Prospective Adopter's Report, medical reports) come as PDF or Word
/// files, and scanned letters or photographed pages as pictures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Pdf,
    /// A Word document in the Office Open XML format (Word 2007 onwards), not the older `.doc`.
    Docx,
    Jpeg,
    Png,
    Webp,
}

impl Kind {
    /// The media type to serve the document with.
    pub fn mime(self) -> &'static str {
        match self {
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
        }
    }

    /// The file name extension to offer on download, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Pdf => "pdf",
            Kind::Docx => "docx",
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Webp => "webp",
        }
    }
}

/// How big an upload may be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest upload, in bytes.
    pub max_bytes: usize,
}

impl Default for Limits {
    /// 20 MB: a long report with scanned pages fits; clamd's default stream limit (25 MB) is
    /// above it, so every accepted upload can be scanned whole.
    fn default() -> Self {
        Limits { max_bytes: 20 * MB }
    }
}

const KB: usize = 1024;
const MB: usize = 1024 * KB;

/// Why an upload was refused. The messages are shown to social workers as they are; the
/// [`Refused::code`] is for the JSON API, logs and metrics.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("The file is empty")]
    Empty,
    #[error("The file must be smaller than {}", size_in_words(*.max_bytes))]
    TooLarge { max_bytes: usize },
    #[error("The file must be a PDF, a Word document (.docx) or a JPEG, PNG or WebP picture")]
    WrongType {
        /// What the content was recognised as (e.g. `application/zip`), for logs; `None` when
        /// it was not recognised at all.
        found: Option<&'static str>,
    },
    #[error("The file contains a virus")]
    Infected {
        /// The scanner's name for what it found, for logs and the security team; not shown.
        signature: String,
    },
    /// Fail closed: a scanner that is configured but cannot answer refuses the upload.
    #[error("The file could not be checked for viruses, so it was not uploaded. Try again later")]
    ScanFailed(#[source] ScanError),
}

impl Refused {
    /// A stable code for the JSON API, logs and metrics; never changes once released.
    pub fn code(&self) -> &'static str {
        match self {
            Refused::Empty => "empty",
            Refused::TooLarge { .. } => "too_large",
            Refused::WrongType { .. } => "wrong_type",
            Refused::Infected { .. } => "infected",
            Refused::ScanFailed(_) => "scan_failed",
        }
    }
}

/// Says what kind of document `bytes` is, or why it cannot be one.
///
/// Checks, in order: not empty, within [`Limits::max_bytes`], and one of the accepted
/// [`Kind`]s by its magic bytes, which must open the file. A ZIP file counts as a Word document only if its central
/// directory lists both `[Content_Types].xml` and `word/document.xml`, so a plain ZIP, a
/// spreadsheet or a presentation is refused.
pub fn inspect(bytes: &[u8], limits: Limits) -> Result<Kind, Refused> {
    if bytes.is_empty() {
        return Err(Refused::Empty);
    }
    if bytes.len() > limits.max_bytes {
        return Err(Refused::TooLarge {
            max_bytes: limits.max_bytes,
        });
    }
    let found = infer::get(bytes).map(|kind| kind.mime_type());
    // Every ZIP is judged by its own directory: `infer` guesses DOCX from the first few entries'
    // names, which misses Word files written in another order and is fooled by the order alone.
    if bytes.starts_with(ZIP_LOCAL_HEADER) {
        return if zip_lists_word_document(bytes) {
            Ok(Kind::Docx)
        } else {
            Err(Refused::WrongType { found })
        };
    }
    match found {
        // Readers accept a PDF header anywhere in the first kilobyte, which is how files that are
        // a web page or a program as well as a PDF are made; a real PDF starts with its header.
        Some("application/pdf") if bytes.starts_with(b"%PDF-") => Ok(Kind::Pdf),
        Some("image/jpeg") => Ok(Kind::Jpeg),
        Some("image/png") => Ok(Kind::Png),
        Some("image/webp") => Ok(Kind::Webp),
        _ => Err(Refused::WrongType { found }),
    }
}

/// "20 MB", "512 KB", "1000 bytes": the limit as a person would say it.
fn size_in_words(bytes: usize) -> String {
    if bytes >= MB && bytes.is_multiple_of(MB) {
        format!("{} MB", bytes / MB)
    } else if bytes >= KB && bytes.is_multiple_of(KB) {
        format!("{} KB", bytes / KB)
    } else {
        format!("{bytes} bytes")
    }
}

const ZIP_LOCAL_HEADER: &[u8] = b"PK\x03\x04";
const ZIP_CENTRAL_HEADER: &[u8] = b"PK\x01\x02";
const ZIP_END_OF_DIRECTORY: &[u8] = b"PK\x05\x06";
/// The end-of-directory record is 22 bytes plus a comment of at most 65,535 bytes.
const ZIP_END_RECORD_LEN: usize = 22;
const ZIP_MAX_COMMENT: usize = u16::MAX as usize;
const ZIP_CENTRAL_HEADER_LEN: usize = 46;

/// Whether this ZIP's central directory names the two parts every Word document has: the
/// package's content types and the main document part (ECMA-376 Part 2, §10.1.2.1 and Part 1,
/// §11.3.10). Only the directory is read; no entry is decompressed.
fn zip_lists_word_document(bytes: &[u8]) -> bool {
    let mut content_types = false;
    let mut document = false;
    for name in central_directory_names(bytes) {
        let Some(name) = name else { return false };
        content_types |= name == b"[Content_Types].xml";
        document |= name == b"word/document.xml";
    }
    content_types && document
}

/// The entry names in the ZIP's central directory, each `None` where the directory is damaged
/// (which ends the walk). An empty walk when there is no directory to be found.
fn central_directory_names(bytes: &[u8]) -> impl Iterator<Item = Option<&[u8]>> {
    let directory = find_central_directory(bytes);
    let (mut at, mut left) = directory.unwrap_or((0, 0));
    std::iter::from_fn(move || {
        if left == 0 {
            return None;
        }
        left -= 1;
        let entry = read_central_entry(bytes, at);
        match entry {
            Some((name, next)) => {
                at = next;
                Some(Some(name))
            }
            None => {
                left = 0;
                Some(None)
            }
        }
    })
}

/// Where the central directory starts and how many entries it has, from the end record.
fn find_central_directory(bytes: &[u8]) -> Option<(usize, usize)> {
    let earliest = bytes
        .len()
        .saturating_sub(ZIP_END_RECORD_LEN + ZIP_MAX_COMMENT);
    let latest = bytes.len().checked_sub(ZIP_END_RECORD_LEN)?;
    // The record's signature can appear inside the comment too; the last one is the record.
    let end = (earliest..=latest)
        .rev()
        .find(|&at| bytes[at..].starts_with(ZIP_END_OF_DIRECTORY))?;
    let entries = usize::from(read_u16(bytes, end + 10)?);
    let offset = usize::try_from(read_u32(bytes, end + 16)?).ok()?;
    // 0xFFFFFFFF means ZIP64; Word does not write ZIP64 for documents of this size.
    if offset >= end {
        return None;
    }
    Some((offset, entries))
}

/// The name of the central-directory entry at `at`, and where the next entry starts.
fn read_central_entry(bytes: &[u8], at: usize) -> Option<(&[u8], usize)> {
    if !bytes.get(at..)?.starts_with(ZIP_CENTRAL_HEADER) {
        return None;
    }
    let name_len = usize::from(read_u16(bytes, at + 28)?);
    let extra_len = usize::from(read_u16(bytes, at + 30)?);
    let comment_len = usize::from(read_u16(bytes, at + 32)?);
    let local_header = usize::try_from(read_u32(bytes, at + 42)?).ok()?;
    // The entry must point at a real local header before the directory, or the directory was
    // pasted onto something that is not this ZIP.
    if local_header >= at || !bytes.get(local_header..)?.starts_with(ZIP_LOCAL_HEADER) {
        return None;
    }
    let name_start = at + ZIP_CENTRAL_HEADER_LEN;
    let name = bytes.get(name_start..name_start + name_len)?;
    Some((name, name_start + name_len + extra_len + comment_len))
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    let field = bytes.get(at..at + 2)?;
    Some(u16::from_le_bytes([field[0], field[1]]))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let field = bytes.get(at..at + 4)?;
    Some(u32::from_le_bytes([field[0], field[1], field[2], field[3]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_said_in_the_largest_whole_unit() {
        assert_eq!(size_in_words(20 * MB), "20 MB");
        assert_eq!(size_in_words(512 * KB), "512 KB");
        assert_eq!(size_in_words(1000), "1000 bytes");
    }

    #[test]
    fn a_truncated_or_garbled_zip_is_never_a_word_document_and_never_a_panic() {
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend_from_slice(&[0xff; 200]);
        zip.extend_from_slice(b"PK\x05\x06");
        zip.extend_from_slice(&[0xff; 18]);
        for cut in 0..=zip.len() {
            assert!(!zip_lists_word_document(&zip[..cut]));
        }
    }
}
