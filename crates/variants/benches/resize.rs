//! What making the resized copies of one uploaded photo costs: all of them
//! (`variants::make`: 480, 960 and 1920 wide, JPEG at quality 80 or PNG, and lossless WebP where
//! it is smaller), and the steps of one copy (decoding, resizing, encoding), to tell where the
//! time goes. `cargo bench -p variants --bench resize`.
//!
//! The photos are made here, the same every run: a camera-sized 4000×3000 JPEG (quality 90)
//! and a 2000×1500 PNG, both smooth gradients and waves (sky, shading) with a little
//! per-pixel noise (sensor grain), which is what makes real photos costly to encode; no file
//! comes from outside. With `VARIANTS_BENCH_DIR=dir` the two photos are also written there,
//! for a peer (bench/resize-vs-vips.sh) to resize the very same bytes.

use std::hint::black_box;
use std::io::Cursor;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, RgbImage};

/// A photo-like picture: gradients, low-frequency waves and ±12 of grain per channel, from a
/// fixed seed.
fn photo(width: u32, height: u32) -> RgbImage {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut grain = move || {
        // xorshift64*: deterministic, no dependency.
        seed ^= seed >> 12;
        seed ^= seed << 25;
        seed ^= seed >> 27;
        let r = seed.wrapping_mul(0x2545_F491_4F6C_DD1D);
        f32::from((r >> 56) as u8) / 255.0 * 24.0 - 12.0
    };
    RgbImage::from_fn(width, height, |x, y| {
        let (u, v) = (x as f32 / width as f32, y as f32 / height as f32);
        let wave = (u * 9.0 + (v * 5.0).sin() * 2.0).sin() * (v * 7.0 + u * 3.0).cos();
        let sky = 200.0 - 120.0 * v;
        let mut px = |base: f32, amp: f32| (base + amp * wave + grain()).clamp(0.0, 255.0) as u8;
        image::Rgb([
            px(sky * 0.6 + 80.0 * u, 40.0),
            px(sky * 0.8 + 30.0 * (1.0 - u), 35.0),
            px(sky + 20.0 * u * v, 30.0),
        ])
    })
}

fn jpeg(picture: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(picture)
        .expect("encoding to memory");
    out
}

fn png(picture: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    picture
        .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
        .expect("encoding to memory");
    out
}

fn photos() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let photos = vec![
        ("jpeg 4000x3000", "image/jpeg", jpeg(&photo(4000, 3000), 90)),
        ("png 2000x1500", "image/png", png(&photo(2000, 1500))),
    ];
    if let Some(dir) = std::env::var_os("VARIANTS_BENCH_DIR") {
        let dir = std::path::Path::new(&dir);
        std::fs::create_dir_all(dir).expect("VARIANTS_BENCH_DIR can be made");
        for (name, _, bytes) in &photos {
            let ext = if name.starts_with("jpeg") {
                "jpg"
            } else {
                "png"
            };
            std::fs::write(dir.join(format!("photo.{ext}")), bytes).expect("photo written");
        }
    }
    photos
}

fn bench(c: &mut Criterion) {
    let photos = photos();
    let mut all = c.benchmark_group("all copies");
    all.sample_size(10);
    for (name, content_type, bytes) in &photos {
        let copies = variants::make(content_type, bytes).expect("the photo resizes");
        let sizes: Vec<String> = copies
            .iter()
            .map(|v| format!("{} {} {} B", v.width, v.extension, v.bytes.len()))
            .collect();
        eprintln!("{name}: {} bytes -> {}", bytes.len(), sizes.join(", "));
        all.bench_with_input(BenchmarkId::from_parameter(name), bytes, |b, bytes| {
            b.iter(|| variants::make(content_type, black_box(bytes)))
        });
    }
    all.finish();

    // The steps of `variants::make`, one at a time, for the camera JPEG.
    let (_, _, camera) = &photos[0];
    let mut steps = c.benchmark_group("steps of the jpeg 4000x3000");
    steps.sample_size(10);
    steps.bench_function("decode", |b| {
        b.iter(|| image::load_from_memory_with_format(black_box(camera), ImageFormat::Jpeg))
    });
    let decoded = image::load_from_memory_with_format(camera, ImageFormat::Jpeg).expect("decodes");
    for width in variants::WIDTHS {
        let height = 3000 * width / 4000;
        steps.bench_function(BenchmarkId::new("resize", width), |b| {
            b.iter(|| black_box(&decoded).resize_exact(width, height, FilterType::CatmullRom))
        });
        let small = DynamicImage::ImageRgb8(
            decoded
                .resize_exact(width, height, FilterType::CatmullRom)
                .to_rgb8(),
        );
        steps.bench_function(BenchmarkId::new("jpeg q80", width), |b| {
            b.iter(|| jpeg(black_box(small.as_rgb8().expect("rgb")), 80))
        });
        steps.bench_function(BenchmarkId::new("webp lossless", width), |b| {
            b.iter(|| {
                let mut out = Vec::new();
                black_box(&small)
                    .write_to(&mut Cursor::new(&mut out), ImageFormat::WebP)
                    .expect("encoding to memory");
                out
            })
        });
    }
    steps.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
