//! Images in, model input out: IDX files, photo folders, the page's drawings, and the
//! augmentations training applies. Nothing here knows about models.

pub mod augment;
pub mod idx;
pub mod photo;
pub mod preprocess;

#[cfg(not(target_arch = "wasm32"))]
pub mod folders;
#[cfg(not(target_arch = "wasm32"))]
pub mod mnist;
#[cfg(not(target_arch = "wasm32"))]
pub mod redraw;
