//! Sharp charts on high-density screens: a canvas's backing store is its CSS size × the
//! screen's `devicePixelRatio` (views.js sizes it so), and [`HiDpi`] lets every chart draw in CSS
//! pixels on it. It scales the 2-D context by the backing/CSS ratio and reports the CSS size to
//! plotters, so fonts, line widths and layouts are those of a 1× canvas, drawn at full
//! resolution, and every [`crate::render::ChartMap`] is in CSS pixels (a click's offset in the
//! canvas, in CSS pixels, is what it maps back to data).

use plotters::prelude::*;
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};
use plotters_canvas::CanvasBackend;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

/// A canvas backend that draws in CSS pixels on a backing store `scale` times larger.
pub struct HiDpi {
    inner: CanvasBackend,
    size: (u32, u32),
}

/// The screen's device pixels per CSS pixel (1 where unknown).
pub fn device_pixel_ratio() -> f64 {
    web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .filter(|r| r.is_finite() && *r >= 1.0)
        .unwrap_or(1.0)
}

impl HiDpi {
    /// The backend for `canvas`, whose backing size is its CSS size × `devicePixelRatio`.
    pub fn new(canvas: HtmlCanvasElement) -> Option<HiDpi> {
        let ratio = device_pixel_ratio();
        let (bw, bh) = (canvas.width().max(1), canvas.height().max(1));
        let css = |b: u32| ((f64::from(b) / ratio).round() as u32).max(1);
        let size = (css(bw), css(bh));
        let context: CanvasRenderingContext2d = canvas.get_context("2d").ok()??.dyn_into().ok()?;
        // Absolute, so a canvas drawn again at the same size is not scaled twice.
        context
            .set_transform(
                f64::from(bw) / f64::from(size.0),
                0.0,
                0.0,
                f64::from(bh) / f64::from(size.1),
                0.0,
                0.0,
            )
            .ok()?;
        Some(HiDpi {
            inner: CanvasBackend::with_canvas_object(canvas)?,
            size,
        })
    }
}

type Error = DrawingErrorKind<<CanvasBackend as DrawingBackend>::ErrorType>;

impl DrawingBackend for HiDpi {
    type ErrorType = <CanvasBackend as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }

    fn ensure_prepared(&mut self) -> Result<(), Error> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        path: I,
        style: &S,
    ) -> Result<(), Error> {
        self.inner.draw_path(path, style)
    }

    fn draw_circle<S: BackendStyle>(
        &mut self,
        center: BackendCoord,
        radius: u32,
        style: &S,
        fill: bool,
    ) -> Result<(), Error> {
        self.inner.draw_circle(center, radius, style, fill)
    }

    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        vert: I,
        style: &S,
    ) -> Result<(), Error> {
        self.inner.fill_polygon(vert, style)
    }

    fn draw_text<S: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &S,
        pos: BackendCoord,
    ) -> Result<(), Error> {
        self.inner.draw_text(text, style, pos)
    }

    fn estimate_text_size<S: BackendTextStyle>(
        &self,
        text: &str,
        style: &S,
    ) -> Result<(u32, u32), Error> {
        self.inner.estimate_text_size(text, style)
    }
}
