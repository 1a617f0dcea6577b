"""Images uploaded by editors: checked by type, size and dimensions, resized, stored in instance/uploads."""
from __future__ import annotations

import io
import secrets
from pathlib import Path

from flask import current_app
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import InvalidImage

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF"}
MAX_PIXELS = 40_000_000  # refuse decompression bombs before decoding


def upload_folder() -> Path:
    """Where uploaded images live (created on demand)."""
    folder = Path(current_app.config.get("UPLOAD_FOLDER") or Path(current_app.instance_path) / "uploads")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _opened(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise InvalidImage("too_many_pixels") from None


def save_image(data: bytes) -> str:
    """Check, resize (longest side at most IMAGE_MAX_SIDE) and store an image; return its file name."""
    config = current_app.config
    if len(data) > config["UPLOAD_MAX_BYTES"]:
        raise InvalidImage("too_large")
    if not data:
        raise InvalidImage("not_image")
    try:
        # Pillow refuses outright the dimensions of a decompression bomb (twice its own limit, above ours).
        with _opened(data) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise InvalidImage("not_image")
            if probe.width * probe.height > MAX_PIXELS:
                raise InvalidImage("too_many_pixels")
            probe.verify()
        with Image.open(io.BytesIO(data)) as image:
            image = ImageOps.exif_transpose(image)
            has_alpha = image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info)
            image = image.convert("RGBA" if has_alpha else "RGB")
            side = config["IMAGE_MAX_SIDE"]
            image.thumbnail((side, side), Image.Resampling.LANCZOS)
            name = secrets.token_urlsafe(12) + (".png" if has_alpha else ".jpg")
            target = upload_folder() / name
            if has_alpha:
                image.save(target, "PNG", optimize=True)
            else:
                image.save(target, "JPEG", quality=85, optimize=True, progressive=True)
    except InvalidImage:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise InvalidImage("not_image") from None
    return name
