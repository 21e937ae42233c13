//! Round trips of synthetic pictures through hayro-jpeg2000 and, where installed, OpenJPEG's `opj_decompress`.

use super::*;

fn decode(jp2: &[u8]) -> (u32, u32, Vec<u8>) {
    let image = hayro_jpeg2000::Image::new(jp2, &hayro_jpeg2000::DecodeSettings::default()).unwrap();
    let (w, h) = (image.width(), image.height());
    let mut ctx = hayro_jpeg2000::DecoderContext::default();
    let decoded = image.decode(&mut ctx).unwrap();
    (w, h, decoded.data_u8())
}

/// A deterministic test picture with edges, gradients and noise, so that every context and pass occurs.
fn picture(w: u32, h: u32, nc: u8) -> Vec<u8> {
    let mut seed = 0x1234_5678u32;
    let mut out = Vec::new();
    for y in 0..h {
        for x in 0..w {
            for c in 0..u32::from(nc) {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let noise = (seed >> 16) % 23;
                let disc =
                    if (x as i32 - w as i32 / 2).pow(2) + (y as i32 - h as i32 / 3).pow(2) < (w as i32 / 4).pow(2) {
                        90
                    } else {
                        0
                    };
                let v = (x * 255 / w.max(1)) / (c + 1) + (y * 7 % 50) + disc + noise;
                out.push(v.min(255) as u8);
            }
        }
    }
    out
}

#[test]
fn lossless_round_trips_through_hayro() {
    for (w, h, nc) in [(64, 64, 1), (97, 61, 3), (1, 1, 1), (3, 130, 3), (200, 150, 3), (130, 7, 1)] {
        let samples = picture(w, h, nc);
        let pixels = Pixels { width: w, height: h, components: nc, samples: &samples };
        let jp2 = encode_jp2(&pixels, Rate::Lossless).unwrap();
        let (dw, dh, decoded) = decode(&jp2);
        assert_eq!((dw, dh), (w, h));
        assert_eq!(decoded, samples, "{w}x{h}x{nc}");
    }
}

#[test]
fn a_byte_budget_is_kept_and_the_image_stays_close() {
    let (w, h) = (240, 320);
    let samples = picture(w, h, 3);
    let pixels = Pixels { width: w, height: h, components: 3, samples: &samples };
    let lossless = encode_jp2(&pixels, Rate::Lossless).unwrap();
    let budget = lossless.len() / 4;
    let jp2 = encode_jp2(&pixels, Rate::MaxBytes(budget)).unwrap();
    assert!(jp2.len() <= budget && jp2.len() > budget * 9 / 10, "{} of {budget}", jp2.len());
    let (_, _, decoded) = decode(&jp2);
    let mse: f64 = decoded.iter().zip(&samples).map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2)).sum::<f64>()
        / samples.len() as f64;
    let psnr = 10.0 * (255.0f64 * 255.0 / mse).log10();
    assert!(psnr > 28.0, "PSNR {psnr:.1} dB");
}

/// OpenJPEG's `opj_decompress` output as (width, height, samples), from the PNM file it writes.
fn opj_decode(jp2: &[u8], nc: u8) -> Option<(u32, u32, Vec<u8>)> {
    let dir = std::env::temp_dir().join(format!("gate-sim-j2k-{}-{nc}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.jp2");
    let output = dir.join(if nc == 3 { "out.ppm" } else { "out.pgm" });
    std::fs::write(&input, jp2).unwrap();
    let run = std::process::Command::new("opj_decompress").arg("-i").arg(&input).arg("-o").arg(&output).output();
    let Ok(run) = run else {
        eprintln!("skipped: opj_decompress is absent (apt-get install libopenjp2-tools)");
        return None;
    };
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let pnm = std::fs::read(&output).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    // "P6\n# comment\n<w> <h>\n255\n" then the samples.
    let mut fields = Vec::new();
    let mut at = 0;
    while fields.len() < 4 {
        while pnm[at].is_ascii_whitespace() {
            at += 1;
        }
        if pnm[at] == b'#' {
            while pnm[at] != b'\n' {
                at += 1;
            }
            continue;
        }
        let start = at;
        while !pnm[at].is_ascii_whitespace() {
            at += 1;
        }
        fields.push(String::from_utf8(pnm[start..at].to_vec()).unwrap());
    }
    Some((fields[1].parse().unwrap(), fields[2].parse().unwrap(), pnm[at + 1..].to_vec()))
}

#[test]
fn openjpeg_decodes_the_same_pixels() {
    for nc in [1u8, 3] {
        let (w, h) = (173, 129);
        let samples = picture(w, h, nc);
        let pixels = Pixels { width: w, height: h, components: nc, samples: &samples };
        let lossless = encode_jp2(&pixels, Rate::Lossless).unwrap();
        let Some((ow, oh, decoded)) = opj_decode(&lossless, nc) else { return };
        assert_eq!((ow, oh), (w, h));
        assert_eq!(decoded, samples);
        // A truncated stream decodes in OpenJPEG as in hayro, up to the decoders' reconstruction rounding.
        let lossy = encode_jp2(&pixels, Rate::MaxBytes(lossless.len() / 3)).unwrap();
        let (_, _, theirs) = opj_decode(&lossy, nc).unwrap();
        let (_, _, ours) = decode(&lossy);
        let worst = theirs.iter().zip(&ours).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
        assert!(worst <= 8, "OpenJPEG and hayro differ by up to {worst}");
    }
}

#[test]
fn refuses_what_it_cannot_encode() {
    let samples = [0u8; 12];
    for (w, h, nc) in [(0, 4, 3), (2, 2, 2), (3, 3, 1)] {
        let pixels = Pixels { width: w, height: h, components: nc, samples: &samples };
        assert!(matches!(encode_jp2(&pixels, Rate::Lossless), Err(J2kError::Shape { .. })));
    }
}
