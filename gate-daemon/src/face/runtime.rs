//! ONNX Runtime, loaded once per process from the library its manifest names (after its sha256 is checked), and
//! the sessions the models run in.

use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use ort::environment::Environment;
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::TensorRef;
use zeroize::Zeroize;

use super::error::FaceError;
use super::manifest::{Manifest, read_checked};

/// The process's ONNX Runtime: the library is loaded at most once, and every later load must name the same file.
static RUNTIME: OnceLock<Mutex<Option<(PathBuf, Environment)>>> = OnceLock::new();

/// Loads the ONNX Runtime library of `manifest` (a `role = "runtime"` manifest), checking its sha256 first.
///
/// # Errors
/// [`FaceError::ModelUnreadable`], [`FaceError::Checksum`], or [`FaceError::Runtime`] when the library does not
/// load, or another library was loaded before.
pub fn load(manifest: &Manifest) -> Result<Environment, FaceError> {
    let path = manifest
        .file_path()
        .ok_or_else(|| FaceError::Manifest { path: manifest.dir.clone(), reason: "no `file`".into() })?;
    // One file under two names is the same library.
    let path = std::fs::canonicalize(&path).map_err(|source| FaceError::ModelUnreadable { path, source })?;
    let mut slot = RUNTIME.get_or_init(|| Mutex::new(None)).lock().map_err(|_| poisoned())?;
    if let Some((loaded, env)) = slot.as_ref() {
        if *loaded != path {
            return Err(FaceError::Runtime(format!(
                "{} is already loaded in this process; cannot also load {}",
                loaded.display(),
                path.display()
            )));
        }
        return Ok(env.clone());
    }
    // The library is hashed before it is mapped: a changed file never runs.
    let sum = manifest.sha256.as_deref().unwrap_or_default();
    drop(read_checked(&path, sum)?);
    let env = ort::init_from(&path)
        .map_err(|e| FaceError::Runtime(format!("cannot load {}: {e}", path.display())))?
        .with_name("autogate")
        .build()
        .map_err(|e| FaceError::Runtime(e.to_string()))?;
    *slot = Some((path, env.clone()));
    Ok(env)
}

fn poisoned() -> FaceError {
    FaceError::Runtime("the runtime lock is poisoned".into())
}

/// A loaded model: one ONNX Runtime session with a single image input.
pub struct Net {
    name: String,
    session: Session,
    input: String,
}

impl std::fmt::Debug for Net {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Net").field("name", &self.name).field("input", &self.input).finish_non_exhaustive()
    }
}

/// One output of a run, copied out of ONNX Runtime's buffer (which is wiped).
#[derive(Clone)]
pub struct Output {
    /// The output's name in the model.
    pub name: String,
    /// The output's shape.
    pub shape: Vec<i64>,
    /// Its values, row-major.
    pub data: zeroize::Zeroizing<Vec<f32>>,
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Output({} {:?}, values redacted)", self.name, self.shape)
    }
}

impl Net {
    /// Builds a session from model bytes already checked against their manifest, with `threads` intra-op threads.
    ///
    /// # Errors
    /// [`FaceError::Model`] when ONNX Runtime refuses the model, or it has not exactly one input.
    pub fn new(env: &Environment, name: &str, bytes: &[u8], threads: usize) -> Result<Net, FaceError> {
        let fail = |e: String| FaceError::Model { model: name.to_string(), reason: e };
        let session = Session::builder(env)
            .map_err(|e| fail(e.to_string()))?
            .with_optimization_level(GraphOptimizationLevel::Level2)
            .map_err(|e| fail(e.to_string()))?
            .with_intra_threads(threads.max(1))
            .map_err(|e| fail(e.to_string()))?
            .with_inter_threads(1)
            .map_err(|e| fail(e.to_string()))?
            .with_intra_op_spinning(false)
            .map_err(|e| fail(e.to_string()))?
            .commit_from_memory(bytes)
            .map_err(|e| fail(e.to_string()))?;
        let [input] = session.inputs() else {
            return Err(fail(format!("expected one input, found {}", session.inputs().len())));
        };
        let input = input.name().to_string();
        Ok(Net { name: name.to_string(), session, input })
    }

    /// The model's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs the model on `data` of `shape`, returning every output in the model's order. The input stays the
    /// caller's (to wipe); ONNX Runtime's output buffers are wiped once copied.
    ///
    /// # Errors
    /// [`FaceError::Model`] when the run fails or an output is not `f32`.
    pub fn run(&mut self, shape: [usize; 4], data: &[f32]) -> Result<Vec<Output>, FaceError> {
        let name = self.name.clone();
        let fail = |e: String| FaceError::Model { model: name.clone(), reason: e };
        let tensor = TensorRef::from_array_view((shape, data)).map_err(|e| fail(e.to_string()))?;
        let mut outputs =
            self.session.run(ort::inputs![self.input.as_str() => tensor]).map_err(|e| fail(e.to_string()))?;
        let mut copied = Vec::with_capacity(outputs.len());
        for i in 0..outputs.len() {
            let (key, mut value) = outputs.iter_mut().nth(i).ok_or_else(|| fail("missing output".into()))?;
            let (shape, values) = value.try_extract_tensor_mut::<f32>().map_err(|e| fail(e.to_string()))?;
            copied.push(Output {
                name: key.to_string(),
                shape: shape.to_vec(),
                data: zeroize::Zeroizing::new(values.to_vec()),
            });
            values.zeroize();
        }
        Ok(copied)
    }
}
