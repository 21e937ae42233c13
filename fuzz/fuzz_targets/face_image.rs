//! Face images: `face_image::read_header` (this crate's own JPEG, JPEG 2000 and PNG header parser) and
//! `face_image::decode` with a 4-megapixel limit, which keeps a decode's memory bounded.
//!
//! Asserted: `decode` refuses an image whose header declares more pixels than the limit, and what it returns has the
//! header's size, `width * height * channels` samples, and the header's encoding.
//!
//! `decode` runs the third-party decoders under `catch_unwind`, by design. libFuzzer's panic hook would abort on those
//! caught panics too, so this target installs a hook that lets a panic located in a registry crate (a decoder)
//! unwind to `decode`'s `catch_unwind`, printing the first one from each place; a panic anywhere else still aborts.
//! A decoder panic that `decode` failed to catch reaches libfuzzer-sys's own `catch_unwind` and aborts there.
//!
//! JPEG 2000 codestreams whose layout would keep the decoder busy for seconds (many thin tiles, thin code blocks or
//! precincts: hayro-jpeg2000 builds every tag tree as a full quadtree) are refused by `read_header` before any
//! decoder runs; `-timeout` catches any other shape that is slow.

#![no_main]

use std::collections::HashSet;
use std::sync::{Mutex, Once};

use libfuzzer_sys::fuzz_target;
use mrtd::error::ImageError;
use mrtd::face_image::{self, PixelLayout};

/// Bounds the memory of a decode: 4 Mpx of RGB is 12 MB of output.
const MAX_PIXELS: u64 = 4_000_000;

fuzz_target!(|data: &[u8]| {
    install_hook();
    let header = face_image::read_header(data);
    if let Ok(h) = &header {
        assert!(h.width > 0 && h.height > 0 && h.components > 0);
        assert_eq!(face_image::sniff(data), Some(h.encoding));
    }
    match face_image::decode(data, MAX_PIXELS) {
        Ok(image) => {
            let h = header.expect("a decoded image has a header that reads");
            assert!(h.pixels() <= MAX_PIXELS, "decoded {}x{} above the limit", h.width, h.height);
            assert_eq!((image.width, image.height, image.encoding), (h.width, h.height, h.encoding));
            let channels: u64 = match image.layout {
                PixelLayout::Luma8 => 1,
                PixelLayout::Rgb8 => 3,
            };
            assert_eq!(image.layout.channels() as u64, channels);
            assert_eq!(image.pixels.len() as u64, h.pixels() * channels);
        }
        Err(e) => {
            if let Ok(h) = header
                && h.pixels() > MAX_PIXELS
            {
                assert!(matches!(e, ImageError::TooLarge { .. }), "{}x{} refused with {e}", h.width, h.height);
            }
        }
    }
});

fn install_hook() {
    static ONCE: Once = Once::new();
    static SEEN: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    ONCE.call_once(|| {
        let strict = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            let in_dependency = location.contains("/.cargo/registry/") || location.contains("/index.crates.io-");
            if !in_dependency {
                strict(info);
                return;
            }
            let mut seen = SEEN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if seen.get_or_insert_with(HashSet::new).insert(location) {
                eprintln!("note: decoder panic, left to face_image::decode's catch_unwind: {info}");
            }
        }));
    });
}
