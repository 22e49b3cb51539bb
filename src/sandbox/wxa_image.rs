//! wxacodes and trial QR codes as real PNG images.

use serde_json::Value;

use super::state::Reply;

/// PNG's CRC-32 (ISO 3309 / HDLC) over a chunk's type and data.
const PNG_CRC: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);

/// A real PNG (1×1) whose tEXt chunk says what the code stands for, so a
/// test can tell one code from another.
pub(crate) fn png(what: &Value) -> Vec<u8> {
    let png = super::content::TINY_PNG;
    // signature (8) + IHDR chunk (25): the text goes right after IHDR.
    let (head, tail) = png.split_at(33);
    let mut data = b"Comment\0".to_vec();
    data.extend_from_slice(what.to_string().as_bytes());
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    let mut typed = b"tEXt".to_vec();
    typed.extend_from_slice(&data);
    chunk.extend_from_slice(&typed);
    chunk.extend_from_slice(&PNG_CRC.checksum(&typed).to_be_bytes());
    [head, &chunk, tail].concat()
}

/// A 200 answer with the PNG of `what`, as WeChat sends a wxacode.
pub(crate) fn image_reply(what: Value) -> Reply {
    Reply::Raw { status: axum::http::StatusCode::OK, content_type: "image/png".into(), body: png(&what), filename: Some("QRCode.png".into()) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn crc_matches_the_png_spec_and_the_chunk_sits_after_ihdr() {
        // The IEND chunk's CRC is fixed: AE 42 60 82.
        assert_eq!(PNG_CRC.checksum(b"IEND"), 0xAE42_6082);
        let img = png(&json!({"scene": "a"}));
        assert!(img.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(&img[37..41], b"tEXt");
        assert!(img.ends_with(&[0xAE, 0x42, 0x60, 0x82]));
    }
}
