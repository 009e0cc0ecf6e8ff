//! Provider fitting from JS: `fit`.

use outpaint::{PrepareOptions, Target};
use wasm_bindgen::prelude::*;

use crate::convert::{dimension, js_error, number, text, to_js};
use crate::prepare::options_in;

/// The plan for sending a `width x height` image expanded to `target` to a provider
/// profile (`options.profile`, default `full`, read from `options.registry`'s patched
/// registry when given).
#[wasm_bindgen(unchecked_return_type = "Plan")]
pub fn fit(
    #[wasm_bindgen(unchecked_param_type = "number")] width: JsValue,
    #[wasm_bindgen(unchecked_param_type = "number")] height: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Target")] target: JsValue,
    #[wasm_bindgen(
        unchecked_optional_param_type = "{ anchor?: Anchor; profile?: Profile; registry?: RegistryPatch }"
    )]
    options: Option<JsValue>,
) -> Result<JsValue, JsValue> {
    let (w, h) = (
        dimension(number(&width, "width")?, "width")?,
        dimension(number(&height, "height")?, "height")?,
    );
    let o = options_in(options)?;
    let target = text(&target, "target")?;
    let t: Target = target.parse().map_err(js_error)?;
    let e = outpaint::expand(w, h, &t, o.anchor().map_err(js_error)?).map_err(js_error)?;
    let profile = PrepareOptions::from_names(&target, &o)
        .map_err(js_error)?
        .profile;
    let plan = outpaint::fit(&e, &t, &profile).map_err(js_error)?;
    to_js(&plan)
}
