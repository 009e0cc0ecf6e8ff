//! Expansion maths from JS: `expand`.

use outpaint::Target;
use wasm_bindgen::prelude::*;

use crate::convert::{dimension, js_error, number, text, to_js};
use crate::prepare::options_in;

/// The expansion of a `width x height` image to `target` (`16:9`, any `A:B`,
/// `expand_all`, `expand_all:F`, `edges:L,R,T,B`).
#[wasm_bindgen(unchecked_return_type = "Expansion")]
pub fn expand(
    #[wasm_bindgen(unchecked_param_type = "number")] width: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] height: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "{ anchor?: Anchor }")] options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let (w, h) = (
        dimension(number(&width, "width")?, "width")?,
        dimension(number(&height, "height")?, "height")?,
    );
    let o = options_in(options)?;
    let t: Target = text(&target, "target")?.parse().map_err(js_error)?;
    let e = outpaint::expand(w, h, &t, o.anchor().map_err(js_error)?).map_err(js_error)?;
    to_js(&e)
}
