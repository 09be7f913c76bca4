//! The demo placeholder's picture: soft circles over a gradient, drawn from a seed. Never a
//! person, never a real photo; [`crate::placeholder`] turns it into a clean JPEG.

use image::RgbImage;

/// SplitMix64: a few lines, stable across platforms and releases, which a demo needs and a
/// random-number crate would not promise.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `[low, high)`.
    fn between(&mut self, low: f32, high: f32) -> f32 {
        // The top 24 bits fit an f32 exactly.
        let unit = (self.next() >> 40) as f32 / (1u64 << 24) as f32;
        low + unit * (high - low)
    }
}

/// Hue in degrees, saturation and lightness in `[0, 1]`, to linear-ish sRGB channels in `[0, 1]`.
fn from_hsl(hue: f32, saturation: f32, lightness: f32) -> [f32; 3] {
    let chroma = (1.0 - (2.0 * lightness - 1.0).abs()) * saturation;
    let sector = hue.rem_euclid(360.0) / 60.0;
    let second = chroma * (1.0 - (sector.rem_euclid(2.0) - 1.0).abs());
    let [r, g, b] = match sector {
        s if s < 1.0 => [chroma, second, 0.0],
        s if s < 2.0 => [second, chroma, 0.0],
        s if s < 3.0 => [0.0, chroma, second],
        s if s < 4.0 => [0.0, second, chroma],
        s if s < 5.0 => [second, 0.0, chroma],
        _ => [chroma, 0.0, second],
    };
    let base = lightness - chroma / 2.0;
    [r + base, g + base, b + base]
}

pub(crate) fn picture(seed: u64) -> RgbImage {
    const WIDTH: u32 = 480;
    const HEIGHT: u32 = 360;
    let mut random = SplitMix(seed);
    // Pastel colours around one hue, so each picture is calm and distinct from the next.
    let hue = random.between(0.0, 360.0);
    let top = from_hsl(hue, 0.55, 0.82);
    let bottom = from_hsl(hue + random.between(30.0, 90.0), 0.50, 0.68);
    let circles: Vec<([f32; 2], f32, [f32; 3])> = (0..6)
        .map(|_| {
            let centre = [
                random.between(0.0, WIDTH as f32),
                random.between(0.0, HEIGHT as f32),
            ];
            let radius = random.between(40.0, 150.0);
            let colour = from_hsl(
                hue + random.between(-60.0, 120.0),
                random.between(0.40, 0.65),
                random.between(0.55, 0.80),
            );
            (centre, radius, colour)
        })
        .collect();

    RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let (x, y) = (x as f32, y as f32);
        let down = y / HEIGHT as f32;
        let mut colour = [0, 1, 2].map(|c| top[c] + (bottom[c] - top[c]) * down);
        for (centre, radius, tint) in &circles {
            let distance = ((x - centre[0]).powi(2) + (y - centre[1]).powi(2)).sqrt();
            // Soft edges: full tint inside, fading out over the outer third of the radius.
            let edge = ((radius - distance) / (radius / 3.0)).clamp(0.0, 1.0);
            let cover = 0.55 * edge * edge * (3.0 - 2.0 * edge);
            colour = [0, 1, 2].map(|c| colour[c] + (tint[c] - colour[c]) * cover);
        }
        image::Rgb(colour.map(|c| (c.clamp(0.0, 1.0) * 255.0).round() as u8))
    })
}
