//! Pictures that live in wasm memory: `Picture` (RGBA) and `MaskPicture` (one byte per
//! pixel). A chain of calls (decode, pad, composite, encode) on them copies no pixels
//! between JavaScript and wasm; the functions of `pixels.rs` copy in and out on every call.
//!
//! `view()` hands out a typed array over the pixels in wasm memory itself: no copy, but
//! valid only until the next call into the package (a call that allocates may grow the
//! memory, which detaches every view). `toImage()` is the copy to keep.

use js_sys::{Object, Uint8Array, Uint8ClampedArray};
use outpaint::pixels::Seam;
use outpaint::{Fill, Image, Limits, Mask, Plan, PngCompression};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::convert::{
    bad, bytes_of, image_in, image_out, js_error, mask_in, mask_out, required, set, to_js,
};
use crate::pixels::build_mask;
use crate::prepare::{mask_options, prepare_options, seam_options};

/// Wasm memory's buffer and where `data` lies in it, for a view without a copy.
fn in_memory(data: &[u8]) -> (JsValue, u32, u32) {
    let memory: js_sys::WebAssembly::Memory = wasm_bindgen::memory().unchecked_into();
    // wasm32 addresses and lengths fit in u32.
    (
        memory.buffer(),
        data.as_ptr() as usize as u32,
        data.len() as u32,
    )
}

fn expansion_of(v: JsValue) -> Result<outpaint::Expansion, JsValue> {
    required(v, "expansion")
}

/// An RGBA8 picture held in wasm memory. Operations return new pictures (or write into
/// one you pass, `...Into`), so a pipeline never copies pixels through JavaScript.
/// Free it with `free()` (or `using`); a finalizer frees forgotten ones eventually.
#[wasm_bindgen]
pub struct Picture {
    img: Image,
}

#[wasm_bindgen]
impl Picture {
    /// Copies `{ width, height, data }` (an `ImageData` fits) into wasm memory.
    #[wasm_bindgen(js_name = fromRgba)]
    pub fn from_rgba(
        #[wasm_bindgen(unchecked_param_type = "RgbaImage")] image: JsValue,
    ) -> Result<Picture, JsValue> {
        Ok(Picture {
            img: image_in(&image)?,
        })
    }

    /// Decodes PNG, JPEG or WebP bytes (by content; EXIF orientation applied; limits
    /// checked before pixels are allocated).
    pub fn decode(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | ArrayBuffer")] bytes: JsValue,
    ) -> Result<Picture, JsValue> {
        let Some(b) = bytes_of(&bytes) else {
            return Err(bad(
                outpaint::ErrorCode::InvalidOption,
                "expected the encoded bytes as a Uint8Array or ArrayBuffer",
            ));
        };
        Ok(Picture {
            img: outpaint::decode(&b, &Limits::default()).map_err(js_error)?,
        })
    }

    /// Width in pixels.
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.img.width()
    }

    /// Height in pixels.
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.img.height()
    }

    /// The RGBA bytes in wasm memory, no copy: writes change the picture. Valid until the
    /// next call into the package (memory growth detaches it); copy what you keep.
    pub fn view(&self) -> Uint8ClampedArray {
        let (buffer, at, len) = in_memory(self.img.data());
        Uint8ClampedArray::new_with_byte_offset_and_length(&buffer, at, len)
    }

    /// A copy as `{ width, height, data: Uint8ClampedArray }`.
    #[wasm_bindgen(js_name = toImage, unchecked_return_type = "RgbaImage")]
    pub fn to_image(&self) -> JsValue {
        image_out(&self.img)
    }

    /// Places the picture on its expanded canvas with a fill (`transparent`, `edge`,
    /// `mirror`, `blur`, `color:#rrggbbaa`).
    pub fn pad(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Expansion")] expansion: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Fill")] fill: JsValue,
    ) -> Result<Picture, JsValue> {
        let e = expansion_of(expansion)?;
        let f: Fill = crate::convert::text(&fill, "fill")?
            .parse()
            .map_err(js_error)?;
        let img =
            outpaint::pixels::pad(self.img.view(), &e, f, &Limits::default()).map_err(js_error)?;
        Ok(Picture { img })
    }

    /// `pad`, written into `out` (a picture of the canvas size): no allocation.
    #[wasm_bindgen(js_name = padInto)]
    pub fn pad_into(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Expansion")] expansion: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Fill")] fill: JsValue,
        out: &mut Picture,
    ) -> Result<(), JsValue> {
        let e = expansion_of(expansion)?;
        let f: Fill = crate::convert::text(&fill, "fill")?
            .parse()
            .map_err(js_error)?;
        outpaint::pixels::pad_into(self.img.view(), &e, f, out.img.data_mut()).map_err(js_error)
    }

    /// Maps a provider's `result` (any size) back through `plan` and composites it with
    /// this picture (the original) at full resolution, feathering the seam.
    pub fn composite(
        &self,
        result: &Picture,
        #[wasm_bindgen(unchecked_param_type = "Plan")] plan: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SeamOptions")] options: Option<JsValue>,
    ) -> Result<Picture, JsValue> {
        let plan: Plan = required(plan, "plan")?;
        let seam = seam_options(options)?;
        let (img, _) = outpaint::composite(
            self.img.view(),
            result.img.view(),
            &plan,
            &seam,
            &Limits::default(),
        )
        .map_err(js_error)?;
        Ok(Picture { img })
    }

    /// `composite`, written into `out` (a picture of the full canvas size).
    #[wasm_bindgen(js_name = compositeInto)]
    pub fn composite_into(
        &self,
        result: &Picture,
        #[wasm_bindgen(unchecked_param_type = "Plan")] plan: JsValue,
        out: &mut Picture,
        #[wasm_bindgen(unchecked_optional_param_type = "SeamOptions")] options: Option<JsValue>,
    ) -> Result<(), JsValue> {
        let plan: Plan = required(plan, "plan")?;
        let seam = seam_options(options)?;
        outpaint::pixels::composite_into(
            self.img.view(),
            result.img.view(),
            &plan,
            &seam,
            out.img.data_mut(),
        )
        .map(|_| ())
        .map_err(js_error)
    }

    /// Encodes the picture as PNG (fast compression).
    #[wasm_bindgen(js_name = encodePng)]
    pub fn encode_png(&self) -> Result<Vec<u8>, JsValue> {
        outpaint::encode_png(self.img.view(), PngCompression::Fast).map_err(js_error)
    }

    /// Expands, fits, pre-fills and masks the picture; canvas and mask stay in wasm
    /// memory.
    #[wasm_bindgen(unchecked_return_type = "PreparedPictures")]
    pub fn prepare(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "PrepareOptions")] options: Option<JsValue>,
    ) -> Result<JsValue, JsValue> {
        let opts = prepare_options(&target, options)?;
        let p = outpaint::prepare(self.img.view(), &opts).map_err(js_error)?;
        let out = Object::new();
        set(&out, "plan", &to_js(&p.plan)?);
        set(&out, "seam", &to_js(&p.seam)?);
        set(&out, "canvas", &Picture { img: p.canvas }.into());
        set(
            &out,
            "mask",
            &MaskPicture {
                mask: p.mask,
                seam: Some(p.seam),
            }
            .into(),
        );
        Ok(out.into())
    }

    /// Prepares the picture, fills it with the offline `local` provider and composites it
    /// back.
    #[wasm_bindgen(js_name = runLocal)]
    pub fn run_local(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "PrepareOptions")] options: Option<JsValue>,
    ) -> Result<Picture, JsValue> {
        let opts = prepare_options(&target, options)?;
        let img = outpaint::run_local_image(outpaint::Source::Borrowed(self.img.view()), &opts)
            .map_err(js_error)?;
        Ok(Picture { img })
    }
}

/// A mask (one byte per pixel, 255 = generate) held in wasm memory.
#[wasm_bindgen]
pub struct MaskPicture {
    mask: Mask,
    seam: Option<Seam>,
}

#[wasm_bindgen]
impl MaskPicture {
    /// The mask of an expansion (`options`: `feather`, `overlap`, `curve`, `kind`).
    pub fn build(
        #[wasm_bindgen(unchecked_param_type = "Expansion")] expansion: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "SeamOptions & { kind?: MaskKind }")]
        options: Option<JsValue>,
    ) -> Result<MaskPicture, JsValue> {
        let (mask, seam) = build_mask(&expansion_of(expansion)?, options)?;
        Ok(MaskPicture {
            mask,
            seam: Some(seam),
        })
    }

    /// `build`, written into `out` (a mask of the canvas size): no allocation.
    #[wasm_bindgen(js_name = buildInto)]
    pub fn build_into(
        #[wasm_bindgen(unchecked_param_type = "Expansion")] expansion: JsValue,
        out: &mut MaskPicture,
        #[wasm_bindgen(unchecked_optional_param_type = "SeamOptions & { kind?: MaskKind }")]
        options: Option<JsValue>,
    ) -> Result<(), JsValue> {
        let e = expansion_of(expansion)?;
        let (seam, kind) = mask_options(options)?;
        let seam = outpaint::pixels::mask_into(
            &outpaint::geometry::Layout::of(&e),
            &seam,
            kind,
            out.mask.data_mut(),
        )
        .map_err(js_error)?;
        out.seam = Some(seam);
        Ok(())
    }

    /// Copies `{ width, height, data }` (one byte per pixel) into wasm memory.
    #[wasm_bindgen(js_name = fromImage)]
    pub fn from_image(
        #[wasm_bindgen(unchecked_param_type = "MaskImage")] image: JsValue,
    ) -> Result<MaskPicture, JsValue> {
        Ok(MaskPicture {
            mask: mask_in(&image)?,
            seam: None,
        })
    }

    /// Width in pixels.
    #[wasm_bindgen(getter)]
    pub fn width(&self) -> u32 {
        self.mask.width()
    }

    /// Height in pixels.
    #[wasm_bindgen(getter)]
    pub fn height(&self) -> u32 {
        self.mask.height()
    }

    /// The seam actually used (asked and effective values); `undefined` for a mask made
    /// with `fromImage`.
    #[wasm_bindgen(getter, unchecked_return_type = "Seam | undefined")]
    pub fn seam(&self) -> Result<JsValue, JsValue> {
        match &self.seam {
            Some(s) => to_js(s),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// The mask bytes in wasm memory, no copy. Valid until the next call into the
    /// package (memory growth detaches it); copy what you keep.
    pub fn view(&self) -> Uint8Array {
        let (buffer, at, len) = in_memory(self.mask.data());
        Uint8Array::new_with_byte_offset_and_length(&buffer, at, len)
    }

    /// A copy as `{ width, height, data: Uint8Array }`.
    #[wasm_bindgen(js_name = toImage, unchecked_return_type = "MaskImage")]
    pub fn to_image(&self) -> JsValue {
        mask_out(&self.mask)
    }

    /// Encodes the mask as a greyscale PNG (fast compression).
    #[wasm_bindgen(js_name = encodePng)]
    pub fn encode_png(&self) -> Result<Vec<u8>, JsValue> {
        outpaint::codec::encode_mask_png(&self.mask, PngCompression::Fast).map_err(js_error)
    }
}
