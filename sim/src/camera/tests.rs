use super::*;

const IMG1: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/testdata/faces/deepface/img1.jpg");
const IMG2: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/testdata/faces/deepface/img2.jpg");

/// Frames as fast as asked for.
fn unpaced(playback: Playback) -> SimCameraConfig {
    SimCameraConfig { fps: 0, playback, ..SimCameraConfig::default() }
}

fn started(config: SimCameraConfig, pictures: Vec<Picture>) -> SimCamera {
    let mut camera = SimCamera::new(config, pictures).unwrap();
    camera.start().unwrap();
    camera
}

/// A small picture whose pixels all differ from their neighbours.
fn gradient(width: u32, height: u32) -> Picture {
    Picture::from(image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7 + y) as u8, (y * 5 + 3 * x) as u8, (x * y) as u8])
    }))
}

/// A directory of this test's own under the system's temporary directory.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sim-camera-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const SECOND: Duration = Duration::from_secs(1);

#[test]
fn files_play_once_in_order_at_their_real_sizes() {
    let mut camera = SimCamera::from_files(unpaced(Playback::Once), [IMG1, IMG2]).unwrap();
    camera.start().unwrap();
    let first = camera.frame(SECOND).unwrap();
    let second = camera.frame(SECOND).unwrap();
    // img1.jpg is 1382x1868 with an upright Exif orientation, img2.jpg 1536x1152 (their SOF0/SOF2 headers).
    assert_eq!((first.width, first.height, first.sequence), (1382, 1868, 0));
    assert_eq!((second.width, second.height, second.sequence), (1536, 1152, 1));
    assert!(first.is_well_formed() && second.is_well_formed());
    assert!(second.captured_at >= first.captured_at);
    let decoded = image::open(IMG1).unwrap().into_rgb8();
    assert!(first.pixels.as_slice() == decoded.as_raw().as_slice());
    // Played once: nothing is left to show.
    let after_the_end = camera.frame(Duration::from_millis(20));
    assert!(matches!(after_the_end, Err(Error::Timeout { operation: Operation::CameraCapture, .. })));
}

#[test]
fn loop_repeats_the_pictures_in_order() {
    let camera_pictures = vec![gradient(4, 3), gradient(6, 2)];
    let mut camera = started(unpaced(Playback::Loop), camera_pictures);
    let sizes: Vec<_> = (0..5).map(|_| camera.frame(SECOND).map(|f| (f.width, f.height)).unwrap()).collect();
    assert_eq!(sizes, [(4, 3), (6, 2), (4, 3), (6, 2), (4, 3)]);
}

#[test]
fn corrupt_files_are_errors_naming_the_file() {
    let dir = temp_dir("truncated");
    let path = dir.join("truncated.jpg");
    let jpeg = std::fs::read(IMG2).unwrap();
    std::fs::write(&path, &jpeg[..jpeg.len() / 100]).unwrap();
    let result = SimCamera::from_files(unpaced(Playback::Once), [IMG1, path.to_str().unwrap()]);
    let Err(error) = result else { panic!("a truncated JPEG loaded") };
    assert!(matches!(&error, SimCameraError::Truncated { path: p } if *p == path), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "{}: the JPEG image ends before its end-of-image marker: the file is truncated or corrupt",
            path.display()
        )
    );

    // Cut inside the entropy-coded data of a baseline JPEG, and just before its EOI.
    let jpeg1 = std::fs::read(IMG1).unwrap();
    for cut in [jpeg1.len() / 2, jpeg1.len() - 2] {
        let path = dir.join(format!("cut-{cut}.jpg"));
        std::fs::write(&path, &jpeg1[..cut]).unwrap();
        assert!(matches!(Picture::load(&path), Err(SimCameraError::Truncated { .. })), "cut at {cut}");
    }
    // Bytes after EOI are not a truncation.
    let trailing = dir.join("trailing.jpg");
    std::fs::write(&trailing, [jpeg1.as_slice(), b"\0\0appended"].concat()).unwrap();
    assert_eq!(Picture::load(&trailing).unwrap().width(), 1382);

    let png = dir.join("cut.png");
    let mut encoded = Vec::new();
    let pixels = gradient(64, 48);
    image::RgbImage::from_raw(64, 48, pixels.pixels().to_vec())
        .unwrap()
        .write_to(&mut Cursor::new(&mut encoded), ImageFormat::Png)
        .unwrap();
    std::fs::write(&png, &encoded[..encoded.len() / 2]).unwrap();
    assert!(matches!(Picture::load(&png), Err(SimCameraError::Decode { .. })));

    let garbage = dir.join("garbage.png");
    std::fs::write(&garbage, b"\x89PNG\r\n\x1a\nnot really").unwrap();
    assert!(matches!(Picture::load(&garbage), Err(SimCameraError::Decode { .. })));
    let text = dir.join("text.jpg");
    std::fs::write(&text, b"hello").unwrap();
    assert!(matches!(Picture::load(&text), Err(SimCameraError::Decode { .. })));
    let missing = dir.join("missing.jpg");
    assert!(matches!(Picture::load(&missing), Err(SimCameraError::Read { .. })));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn jpeg_structure_walk() {
    // SOI, a COM segment, SOS with entropy data holding a stuffed FF 00, a restart marker and fill bytes, EOI.
    let whole = [
        &[0xFF, 0xD8][..],
        &[0xFF, 0xFE, 0x00, 0x04, 0xFF, 0xD9],
        &[0xFF, 0xDA, 0x00, 0x02, 0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56],
        &[0xFF, 0xFF, 0xD9],
    ]
    .concat();
    assert!(jpeg_is_complete(&whole));
    // The EOI inside the comment does not end the image.
    for cut in 0..whole.len() {
        assert!(!jpeg_is_complete(&whole[..cut]), "cut at {cut}");
    }
    assert!(!jpeg_is_complete(&[0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x01, 0xFF, 0xD9]));
    assert!(!jpeg_is_complete(&[0xFF, 0xD8, 0x00, 0xFF, 0xD9]));
    assert!(!jpeg_is_complete(b"\x89PNG"));
}

#[test]
fn pixels_must_match_the_size() {
    assert!(matches!(
        Picture::from_rgb8(2, 2, vec![0; 11]),
        Err(SimCameraError::Pixels { width: 2, height: 2, len: 11 })
    ));
    assert!(matches!(Picture::from_rgb8(0, 5, vec![]), Err(SimCameraError::Pixels { .. })));
    let picture = Picture::from_rgb8(2, 2, vec![9; 12]).unwrap();
    assert_eq!(format!("{picture:?}"), "Picture { width: 2, height: 2, pixels: <12 bytes redacted> }");
}

#[test]
fn a_frame_can_be_fed_back_as_a_picture() {
    let mut camera = started(unpaced(Playback::Once), vec![gradient(5, 4)]);
    let frame = camera.frame(SECOND).unwrap();
    let pixels = frame.pixels.clone();
    let picture = Picture::from_frame(frame).unwrap();
    assert_eq!((picture.width(), picture.height()), (5, 4));
    assert_eq!(picture.pixels(), pixels.as_slice());
}

#[test]
fn fail_fault_errors_every_capture() {
    let config = SimCameraConfig { fault: Some(Fault::Fail), ..unpaced(Playback::Loop) };
    let mut camera = started(config, vec![gradient(4, 4)]);
    for _ in 0..3 {
        let began = Instant::now();
        let error = camera.frame(SECOND).unwrap_err();
        assert!(began.elapsed() < SECOND / 2);
        let Error::Camera { operation: Operation::CameraCapture, source, .. } = &error else {
            panic!("not a capture failure: {error:?}")
        };
        assert!(source.downcast_ref::<InjectedFailure>().is_some());
    }
    camera.feed().set_fault(None);
    assert_eq!(camera.frame(SECOND).unwrap().width, 4);
}

#[test]
fn timeout_fault_waits_the_timeout_then_errors() {
    let config = SimCameraConfig { fault: Some(Fault::Timeout), ..unpaced(Playback::Still) };
    let mut camera = started(config, vec![gradient(4, 4)]);
    let timeout = Duration::from_millis(150);
    let began = Instant::now();
    let result = camera.frame(timeout);
    let waited = began.elapsed();
    assert!(
        matches!(result, Err(Error::Timeout { operation: Operation::CameraCapture, after }) if after == timeout),
        "{result:?}"
    );
    assert!(waited >= timeout, "{waited:?}");
    assert!(waited < timeout + Duration::from_millis(500), "{waited:?}");
}

#[test]
fn black_fault_gives_black_frames_of_the_scene_size() {
    let config =
        SimCameraConfig { fault: Some(Fault::Black), jitter: Some(Jitter::mild(3)), ..unpaced(Playback::Loop) };
    let mut camera = started(config, vec![gradient(7, 5)]);
    let frame = camera.frame(SECOND).unwrap();
    assert_eq!((frame.width, frame.height), (7, 5));
    assert!(frame.is_well_formed() && frame.pixels.iter().all(|&p| p == 0));
    camera.feed().clear();
    let frame = camera.frame(SECOND).unwrap();
    assert_eq!((frame.width, frame.height), BLACK_SIZE);
    assert!(frame.is_well_formed() && frame.pixels.iter().all(|&p| p == 0));
}

#[test]
fn still_gives_byte_identical_frames() {
    let mut camera = SimCamera::from_files(unpaced(Playback::Still), [IMG2, IMG1]).unwrap();
    camera.start().unwrap();
    let frames: Vec<_> = (0..3).map(|_| camera.frame(SECOND).unwrap()).collect();
    assert!(frames.iter().all(|f| (f.width, f.height) == (1536, 1152)));
    assert!(frames.iter().all(|f| f.pixels == frames[0].pixels));
    assert_eq!(frames.iter().map(|f| f.sequence).collect::<Vec<_>>(), [0, 1, 2]);
}

#[test]
fn jitter_changes_pixels_but_not_the_size() {
    let source = Picture::load(Path::new(IMG2)).unwrap();
    let config = SimCameraConfig { jitter: Some(Jitter::mild(42)), ..unpaced(Playback::Still) };
    let mut camera = started(config, vec![source.clone()]);
    let a = camera.frame(SECOND).unwrap();
    let b = camera.frame(SECOND).unwrap();
    for frame in [&a, &b] {
        assert_eq!((frame.width, frame.height), (source.width(), source.height()));
        assert!(frame.is_well_formed());
        assert!(frame.pixels.as_slice() != source.pixels());
        // Mild: each sample is near a source sample within the shift, so the mean barely moves.
        let mean = |p: &[u8]| p.iter().map(|&v| u64::from(v)).sum::<u64>() / p.len() as u64;
        assert!(mean(&frame.pixels).abs_diff(mean(source.pixels())) <= 2);
    }
    assert!(a.pixels != b.pixels);
    // The same seed repeats the same frames.
    let mut again = started(config, vec![source]);
    assert!(again.frame(SECOND).unwrap().pixels == a.pixels);
}

#[test]
fn jitter_shifts_by_at_most_max_shift_and_noise_stays_in_bounds() {
    let source = gradient(16, 12);
    let jitter = Jitter { max_shift: 2, noise: 0, seed: 7 };
    let mut rng = SplitMix64(jitter.seed);
    let out = jittered(&source, &jitter, &mut rng);
    let src = image::RgbImage::from_raw(16, 12, source.pixels().to_vec()).unwrap();
    let dst = image::RgbImage::from_raw(16, 12, out.to_vec()).unwrap();
    // Without noise, the centre pixels are source pixels within two steps each way.
    let offset = (-2i64..=2).flat_map(|dy| (-2i64..=2).map(move |dx| (dx, dy))).find(|&(dx, dy)| {
        (4..12).all(|x| {
            (4..8).all(|y| dst.get_pixel(x, y) == src.get_pixel((x as i64 - dx) as u32, (y as i64 - dy) as u32))
        })
    });
    assert!(offset.is_some());

    let noisy = Jitter { max_shift: 0, noise: 3, seed: 7 };
    let out = jittered(&source, &noisy, &mut SplitMix64(noisy.seed));
    assert!(out.iter().zip(source.pixels()).all(|(&o, &s)| o.abs_diff(s) <= 3));
    assert!(out.as_slice() != source.pixels());
}

#[test]
fn frame_rate_paces_frames_within_the_timeout() {
    let config = SimCameraConfig { fps: 20, ..unpaced(Playback::Still) };
    let mut camera = started(config, vec![gradient(2, 2)]);
    let first = camera.frame(SECOND).unwrap();
    let second = camera.frame(SECOND).unwrap();
    let gap = second.captured_at - first.captured_at;
    assert!(gap >= Duration::from_millis(50), "{gap:?}");
    // The next frame is due 50 ms after the last: a 5 ms wait ends with the timeout error, not a frame.
    let began = Instant::now();
    assert!(matches!(camera.frame(Duration::from_millis(5)), Err(Error::Timeout { .. })));
    assert!(began.elapsed() < Duration::from_millis(45));
}

#[test]
fn a_feed_delivers_to_a_waiting_capture() {
    let mut camera = started(unpaced(Playback::Once), vec![]);
    let feed = camera.feed();
    let pusher = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(30));
        feed.push(gradient(3, 2)).unwrap();
    });
    let began = Instant::now();
    let frame = camera.frame(Duration::from_secs(5)).unwrap();
    assert!(began.elapsed() < Duration::from_secs(4));
    assert_eq!((frame.width, frame.height), (3, 2));
    pusher.join().unwrap();
    assert_eq!(camera.feed().pictures(), 0);
}

#[test]
fn the_scene_is_bounded() {
    let too_many = (0..=MAX_PICTURES).map(|_| gradient(1, 1));
    assert!(matches!(SimCamera::new(unpaced(Playback::Loop), too_many), Err(SimCameraError::TooManyPictures)));
    let camera = SimCamera::new(unpaced(Playback::Loop), (0..MAX_PICTURES).map(|_| gradient(1, 1))).unwrap();
    assert!(matches!(camera.feed().push(gradient(1, 1)), Err(SimCameraError::TooManyPictures)));
    assert_eq!(camera.feed().pictures(), MAX_PICTURES);
}

#[test]
fn captures_need_a_started_camera() {
    let mut camera = SimCamera::new(unpaced(Playback::Loop), vec![gradient(1, 1)]).unwrap();
    assert!(matches!(camera.frame(SECOND), Err(Error::CameraNotStarted)));
    camera.start().unwrap();
    assert!(camera.frame(SECOND).is_ok());
    camera.stop();
    assert!(matches!(camera.frame(SECOND), Err(Error::CameraNotStarted)));
}
