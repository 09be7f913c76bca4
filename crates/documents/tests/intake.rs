//! Intake through the front door: real files of each kind (see `tests/fixtures/make_fixtures.py`;
//! Word documents are built here with the `zip` crate), and what a caller sees for each refusal.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{CONTENT_TYPES, PACKAGE_RELS, document_xml, fixture, word_document, zip_of};
use kinlink_documents::{Kind, Limits, Refused, inspect};

const WRONG_TYPE: &str =
    "The file must be a PDF, a Word document (.docx) or a JPEG, PNG or WebP picture";

fn kind_of(bytes: &[u8]) -> Result<Kind, Refused> {
    inspect(bytes, Limits::default())
}

fn assert_wrong_type(bytes: &[u8], what: &str) {
    match kind_of(bytes) {
        Err(refused @ Refused::WrongType { .. }) => {
            assert_eq!(refused.code(), "wrong_type", "{what}");
            assert_eq!(refused.to_string(), WRONG_TYPE, "{what}");
        }
        other => panic!("{what}: expected wrong_type, got {other:?}"),
    }
}

#[test]
fn each_accepted_kind_is_recognised_with_its_media_type_and_extension() {
    let cases = [
        (fixture("report.pdf"), Kind::Pdf, "application/pdf", "pdf"),
        (
            word_document("A report"),
            Kind::Docx,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
        ),
        (fixture("picture.jpg"), Kind::Jpeg, "image/jpeg", "jpg"),
        (fixture("picture.png"), Kind::Png, "image/png", "png"),
        (fixture("picture.webp"), Kind::Webp, "image/webp", "webp"),
    ];
    for (bytes, kind, mime, extension) in cases {
        assert_eq!(kind_of(&bytes).unwrap(), kind);
        assert_eq!(kind.mime(), mime);
        assert_eq!(kind.extension(), extension);
    }
}

#[test]
fn a_word_document_is_recognised_whatever_order_its_parts_are_in() {
    // LibreOffice writes `mimetype`-style entries and styles first; the main part can come last.
    let document = document_xml("A report");
    let libreoffice_order = zip_of(&[
        ("_rels/.rels", PACKAGE_RELS),
        ("docProps/app.xml", "<Properties/>"),
        ("docProps/core.xml", "<cp:coreProperties/>"),
        ("word/styles.xml", "<w:styles/>"),
        ("word/settings.xml", "<w:settings/>"),
        ("word/fontTable.xml", "<w:fonts/>"),
        ("word/document.xml", &document),
        ("[Content_Types].xml", CONTENT_TYPES),
    ]);
    assert_eq!(kind_of(&libreoffice_order).unwrap(), Kind::Docx);
}

#[test]
fn the_kind_is_judged_by_content_because_there_is_no_name_to_judge_by() {
    // The API takes bytes only. A PDF that was called "report.docx" or "photo.jpg" on the
    // uploader's computer is a PDF, and is offered for download as one.
    let kind = kind_of(&fixture("report.pdf")).unwrap();
    assert_eq!((kind, kind.extension()), (Kind::Pdf, "pdf"));
    // A text file called "report.pdf", however PDF-like its text, is not.
    assert_wrong_type(
        b"report.pdf\nChild Permanence Report\n%%EOF\n",
        "text named like a PDF",
    );
    // A PDF header must be the first thing in the file, not somewhere in it.
    let mut late_header = b"Hello\n".to_vec();
    late_header.extend_from_slice(&fixture("report.pdf"));
    assert_wrong_type(&late_header, "a PDF after some text");
}

#[test]
fn plain_text_and_programs_are_refused() {
    assert_wrong_type(
        b"Dear colleague,\nPlease find the report attached.\n",
        "text",
    );
    let mut exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
    exe.resize(0x40, 0);
    exe[0x3c] = 0x40; // e_lfanew: the PE header follows the DOS header
    exe.extend_from_slice(b"PE\0\0\x4c\x01");
    exe.resize(512, 0);
    match kind_of(&exe) {
        Err(Refused::WrongType { found }) => {
            assert!(found.is_some(), "recognised as a program, for the logs");
        }
        other => panic!("a Windows program: {other:?}"),
    }
    assert_wrong_type(b"#!/bin/sh\nrm -rf /\n", "a shell script");
    assert_wrong_type(b"<html><script>alert(1)</script></html>", "a web page");
}

#[test]
fn other_pictures_and_office_files_are_refused() {
    assert_wrong_type(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "a GIF");
    // The old binary Word format (OLE compound file): not accepted, the message says .docx.
    let mut doc = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    doc.resize(1024, 0);
    assert_wrong_type(&doc, "a .doc");
}

#[test]
fn a_zip_is_a_word_document_only_if_it_has_word_documents_parts() {
    let document = document_xml("A report");
    let cases = [
        ("a plain ZIP", zip_of(&[("notes.txt", "Meeting notes")])),
        (
            "a ZIP that only mentions word/document.xml in a file's content",
            zip_of(&[("notes.txt", "see word/document.xml and [Content_Types].xml")]),
        ),
        (
            "a spreadsheet",
            zip_of(&[
                ("[Content_Types].xml", CONTENT_TYPES),
                ("_rels/.rels", PACKAGE_RELS),
                ("xl/workbook.xml", "<workbook/>"),
                ("xl/worksheets/sheet1.xml", "<worksheet/>"),
            ]),
        ),
        (
            "a presentation",
            zip_of(&[
                ("[Content_Types].xml", CONTENT_TYPES),
                ("_rels/.rels", PACKAGE_RELS),
                ("ppt/presentation.xml", "<p:presentation/>"),
            ]),
        ),
        (
            "the main part in another folder",
            zip_of(&[
                ("[Content_Types].xml", CONTENT_TYPES),
                ("backup/word/document.xml", &document),
            ]),
        ),
        (
            "the main part without the package's content types",
            zip_of(&[("word/document.xml", &document)]),
        ),
    ];
    for (what, bytes) in cases {
        assert_wrong_type(&bytes, what);
    }
}

#[test]
fn a_damaged_word_document_is_refused_not_crashed_on() {
    let docx = word_document("A report");
    // Cut anywhere, the central directory at the end is gone or broken.
    for cut in [4, 30, docx.len() / 2, docx.len() - 23, docx.len() - 1] {
        assert_wrong_type(&docx[..cut], &format!("cut at {cut}"));
    }
    // Its directory pasted after something else.
    let mut pasted = b"PK\x03\x04".to_vec();
    pasted.extend_from_slice(&docx[docx.len() / 2..]);
    assert_wrong_type(&pasted, "directory pasted onto a stub");
}

#[test]
fn an_empty_file_is_refused_as_empty() {
    let refused = kind_of(b"").unwrap_err();
    assert_eq!(refused.code(), "empty");
    assert_eq!(refused.to_string(), "The file is empty");
}

#[test]
fn a_file_over_the_size_limit_is_refused_and_one_at_the_limit_is_not() {
    let mut at_limit = fixture("report.pdf");
    at_limit.resize(Limits::default().max_bytes, b'\n');
    assert_eq!(kind_of(&at_limit).unwrap(), Kind::Pdf);

    at_limit.push(b'\n');
    let refused = kind_of(&at_limit).unwrap_err();
    assert_eq!(refused.code(), "too_large");
    assert_eq!(refused.to_string(), "The file must be smaller than 20 MB");

    let small = Limits { max_bytes: 512 };
    let refused = inspect(&fixture("picture.jpg"), small).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "The file must be smaller than 512 bytes"
    );
    assert_eq!(inspect(&fixture("picture.png"), small).unwrap(), Kind::Png);
}
