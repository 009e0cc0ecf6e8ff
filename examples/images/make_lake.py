# Synthesises a photo-like landscape (sky, sun, layered hills, a lake, grass texture) so
# the repo can ship a test photo it owns outright.
import numpy as np
from PIL import Image, ImageFilter
rng = np.random.default_rng(7)
W, H = 768, 768
y, x = np.mgrid[0:H, 0:W].astype(np.float32)
img = np.zeros((H, W, 3), np.float32)
t = y / H
sky_top = np.array([70, 120, 190]); sky_bot = np.array([235, 200, 160])
img[:] = (sky_top * (1 - t[..., None]) + sky_bot * t[..., None])
# sun glow
d = np.hypot(x - 520, y - 300)
img += (np.clip(1 - d / 260, 0, 1) ** 2)[..., None] * np.array([60, 40, 10])
img[d < 34] = [255, 240, 200]
def noise(scale, amp):
    n = rng.standard_normal((H // scale + 2, W // scale + 2)).astype(np.float32)
    n = np.array(Image.fromarray(n).resize((W, H), Image.BICUBIC))
    return n * amp
# clouds
c = noise(48, 1) + noise(16, 0.5)
cl = Image.fromarray((np.clip(c - 0.4, 0, 1) * 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(6))
img += (np.asarray(cl, np.float32) / 255 * (1 - t) * 110)[..., None]
def ridge(base, amp, freq, phase):
    xs = np.arange(W)
    return base + amp * np.sin(xs * freq + phase) + amp * 0.5 * np.sin(xs * freq * 2.7 + phase * 3) + noise(1, 0)[0] 
layers = [(380, 40, 0.008, 1.0, [110, 120, 150]), (430, 35, 0.013, 2.0, [70, 100, 90]), (480, 30, 0.02, 0.3, [50, 85, 50])]
for base, amp, f, ph, col in layers:
    r = ridge(base, amp, f, ph) + noise(8, 6)[0]
    m = y > r[None, :]
    shade = np.array(col, np.float32) * (0.9 + 0.1 * (noise(4, 1) + noise(24, 1)))[..., None]
    img[m] = shade[m]
# lake with reflection
lake = (y > 560) & (y < 640)
refl = img[np.clip(1120 - y.astype(int), 0, H - 1), x.astype(int)] * 0.6 + np.array([20, 40, 70])
img[lake] = refl[lake]
# grass foreground
g = y >= 640
grass = np.array([60, 110, 40], np.float32) * (0.7 + 0.3 * (noise(2, 1) + noise(6, 0.5))[..., None])
img[g] = grass[g]
img += rng.normal(0, 4, img.shape)
out = Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.6))
out.save('/work/main/examples/images/lake.jpg', quality=88)
