//! Whether a JPEG file runs all the way to its end-of-image marker. The decoder does not say: it
//! fills whatever is missing with grey. This only walks the segment lengths and scans; it reads
//! no metadata and decodes nothing.

const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;

/// Markers that stand alone, with no length after them: restarts and TEM.
fn stands_alone(marker: u8) -> bool {
    (0xD0..=0xD7).contains(&marker) || marker == 0x01
}

/// True when every segment and scan is complete up to an EOI marker. Bytes after the EOI (some
/// phones append their own data there) do not matter: the decoder never reads them, and the
/// output is drawn afresh anyway.
pub(crate) fn reaches_its_end(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut at = 2;
    loop {
        if bytes.get(at) != Some(&0xFF) {
            return false;
        }
        // Any number of 0xFF may pad the space before a marker.
        while bytes.get(at + 1) == Some(&0xFF) {
            at += 1;
        }
        let Some(&marker) = bytes.get(at + 1) else {
            return false;
        };
        at += 2;
        match marker {
            EOI => return true,
            marker if stands_alone(marker) => continue,
            0x00 | 0xD8 => return false,
            _ => {}
        }
        let Some(length) = bytes.get(at..at + 2) else {
            return false;
        };
        let length = usize::from(u16::from_be_bytes([length[0], length[1]]));
        if length < 2 {
            return false;
        }
        at += length;
        if at > bytes.len() {
            return false;
        }
        if marker == SOS {
            match end_of_scan(bytes, at) {
                Some(next_marker) => at = next_marker,
                None => return false,
            }
        }
    }
}

/// Where the entropy-coded data that starts at `from` ends: the first 0xFF that begins a real
/// marker (not a stuffed 0x00, a restart or padding). `None` if the file ends first.
fn end_of_scan(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let found = at + bytes.get(at..)?.iter().position(|&byte| byte == 0xFF)?;
        match bytes.get(found + 1)? {
            0x00 => at = found + 2,
            &next if stands_alone(next) => at = found + 2,
            0xFF => at = found + 1,
            _ => return Some(found),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::reaches_its_end;

    /// SOI, a 4-byte APP0, a scan header with no components, scan data, then `tail`.
    fn jpeg_ending(scan_data: &[u8], tail: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, b'h', b'i'];
        bytes.extend_from_slice(&[0xFF, 0xDA, 0x00, 0x02]);
        bytes.extend_from_slice(scan_data);
        bytes.extend_from_slice(tail);
        bytes
    }

    #[test]
    fn a_file_that_reaches_its_end_of_image_marker_is_complete() {
        assert!(reaches_its_end(&jpeg_ending(&[1, 2, 3], &[0xFF, 0xD9])));
        // Stuffed bytes, restarts and padding inside the scan are not its end.
        let busy_scan = [1, 0xFF, 0x00, 2, 0xFF, 0xD3, 3, 0xFF, 0xFF, 0xD9];
        assert!(reaches_its_end(&jpeg_ending(&busy_scan, &[])));
        // A second scan (progressive JPEG) is walked like the first.
        let two_scans = [1, 0xFF, 0xDA, 0x00, 0x02, 2, 0xFF, 0xD9];
        assert!(reaches_its_end(&jpeg_ending(&two_scans, &[])));
        // Data appended after EOI is not read.
        assert!(reaches_its_end(&jpeg_ending(&[1], b"\xFF\xD9trailer")));
    }

    #[test]
    fn a_file_cut_short_anywhere_is_not_complete() {
        let whole = jpeg_ending(&[1, 0xFF, 0x00, 2], &[0xFF, 0xD9]);
        for cut in 0..whole.len() {
            assert!(!reaches_its_end(&whole[..cut]), "cut at {cut}");
        }
    }

    #[test]
    fn a_segment_claiming_more_than_the_file_is_not_complete() {
        let bytes = [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0xFF, 0xD9];
        assert!(!reaches_its_end(&bytes));
        assert!(!reaches_its_end(&[0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x01]));
        assert!(!reaches_its_end(b"not a jpeg"));
    }
}
