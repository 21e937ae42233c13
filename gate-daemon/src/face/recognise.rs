//! The recogniser: an aligned face in, an L2-normalised embedding out, everything about the model taken from its
//! manifest (input size, layout, colour order, normalisation, template, output size, threshold), so that any
//! ArcFace-style 112x112 model, or dlib's 150x150 ResNet, runs with no code change.

use zeroize::Zeroizing;

use super::align::{self, Template};
use super::error::FaceError;
use super::manifest::{InputSpec, Layout, Manifest};
use super::runtime::Net;
use super::{Embedding, Face, RgbImage};

/// A recogniser loaded from its manifest.
#[derive(Debug)]
pub struct Recogniser {
    net: Net,
    input: InputSpec,
    template: Template,
    size: usize,
    output: Option<String>,
    threshold: f32,
    false_match_rate: f64,
    replay_similarity: Option<f32>,
    label: String,
}

impl Recogniser {
    /// Loads the model of a `role = "recogniser"` manifest, checking its sha256.
    ///
    /// # Errors
    /// [`FaceError::Manifest`], [`FaceError::ModelUnreadable`], [`FaceError::Checksum`] or [`FaceError::Model`].
    pub fn load(env: &ort::environment::Environment, manifest: &Manifest, threads: usize) -> Result<Self, FaceError> {
        let bad = |reason: &str| FaceError::Manifest { path: manifest.dir.clone(), reason: reason.to_string() };
        let input = manifest.input.clone().ok_or_else(|| bad("no [input]"))?;
        let (Some(width), Some(height)) = (input.width, input.height) else {
            return Err(bad("no input.width and input.height"));
        };
        let points = manifest.template().ok_or_else(|| bad("no [alignment]"))?;
        let size = manifest.output.size.ok_or_else(|| bad("no output.size"))?;
        let compare = manifest.compare.as_ref().ok_or_else(|| bad("no [compare]"))?;
        let bytes = manifest.read_verified()?;
        let net = Net::new(env, &manifest.name, &bytes, threads)?;
        Ok(Recogniser {
            net,
            input,
            template: Template { size: (width, height), points },
            size,
            output: manifest.output.name.clone(),
            threshold: compare.threshold,
            false_match_rate: compare.false_match_rate,
            replay_similarity: compare.replay_similarity,
            label: manifest.label(),
        })
    }

    /// Where the landmarks go in this model's input.
    pub fn template(&self) -> &Template {
        &self.template
    }

    /// The match threshold of the manifest.
    pub fn threshold(&self) -> f32 {
        self.threshold
    }

    /// The false-match rate the threshold was set for.
    pub fn false_match_rate(&self) -> f64 {
        self.false_match_rate
    }

    /// The similarity above which a probe is a copy of the reference picture, when the manifest sets one.
    pub fn replay_similarity(&self) -> Option<f32> {
        self.replay_similarity
    }

    /// The model's name and sha256 prefix.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// Aligns `face` of `image` onto the template.
    pub fn align(&self, image: &RgbImage, face: &Face) -> Option<RgbImage> {
        align::align(image, face, &self.template)
    }

    /// The embedding of an aligned face (of the template's size).
    ///
    /// # Errors
    /// [`FaceError::Model`] when the crop has the wrong size, the run fails, or the output is not `output.size`
    /// finite values.
    pub fn embed(&mut self, aligned: &RgbImage) -> Result<Embedding, FaceError> {
        let (w, h) = (self.template.size.0 as usize, self.template.size.1 as usize);
        let fail = |reason: String| FaceError::Model { model: self.label.clone(), reason };
        if (aligned.width as usize, aligned.height as usize) != (w, h) {
            return Err(fail(format!("aligned face is {}x{}, the model takes {w}x{h}", aligned.width, aligned.height)));
        }
        let mut input = Zeroizing::new(vec![0.0f32; w * h * 3]);
        self.input.fill(&aligned.pixels, w, h, &mut input);
        let shape = match self.input.layout {
            Layout::Nchw => [1, 3, h, w],
            Layout::Nhwc | Layout::Nwhc => [1, h, w, 3],
        };
        let outputs = self.net.run(shape, &input)?;
        let output = match &self.output {
            Some(name) => outputs.into_iter().find(|o| &o.name == name && o.data.len() == self.size),
            None => outputs.into_iter().find(|o| o.data.len() == self.size),
        }
        .ok_or_else(|| FaceError::Model {
            model: self.label.clone(),
            reason: format!("no output of {} values", self.size),
        })?;
        let mut values = output.data;
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        if !norm.is_finite() || norm <= f32::EPSILON {
            return Err(FaceError::Model {
                model: self.label.clone(),
                reason: "embedding is zero or not finite".into(),
            });
        }
        values.iter_mut().for_each(|v| *v /= norm);
        Ok(Embedding(values))
    }
}

/// Cosine similarity of two L2-normalised embeddings (their dot product); -1 when their sizes differ.
pub fn similarity(a: &Embedding, b: &Embedding) -> f32 {
    if a.0.len() != b.0.len() {
        return -1.0;
    }
    a.0.iter().zip(b.0.iter()).map(|(x, y)| x * y).sum::<f32>().clamp(-1.0, 1.0)
}
