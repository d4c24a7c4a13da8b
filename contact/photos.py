"""Photos and signatures from a phone, made safe to keep.

The content is checked to be an image whatever its name says; decompression
bombs and oversized files are refused; the EXIF orientation is applied and
then every piece of metadata (GPS included) is dropped by re-encoding the
pixels alone. A visit proves contact, not the cadre's whereabouts.
"""

import base64
import binascii
import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError


@dataclass
class ProcessedPhoto:
    image: ContentFile
    thumbnail: ContentFile
    width: int
    height: int


def _open_checked(data: bytes) -> Image.Image:
    too_large = _("The picture is too large to process (%(mp)d million pixels at most).") % {
        "mp": settings.PHOTO_MAX_PIXELS // 1_000_000
    }
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            probe.verify()
            image = Image.open(io.BytesIO(data))
            if image.width * image.height > settings.PHOTO_MAX_PIXELS:
                raise ValidationError(too_large, code="photo_pixels")
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(too_large, code="photo_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(
            _("This file is not a picture. Please choose a photo (JPEG or PNG)."),
            code="photo_not_image",
        ) from None
    return image


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        return background
    return image.convert("RGB")


def _encode_jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    # Only the pixels: no exif=, icc_profile= or xmp= is passed, so none is written.
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    clean.save(out, "JPEG", quality=85, optimize=True, progressive=True)
    return out.getvalue()


def process_photo(upload) -> ProcessedPhoto:
    limit = settings.PHOTO_MAX_UPLOAD_MB * 1024 * 1024
    if upload.size > limit:
        raise ValidationError(
            _("The photo is larger than %(mb)d MB; please take it again at a lower resolution.")
            % {"mb": settings.PHOTO_MAX_UPLOAD_MB},
            code="photo_size",
        )
    upload.seek(0)
    image = _open_checked(upload.read())
    image = _to_rgb(ImageOps.exif_transpose(image))
    image.thumbnail((settings.PHOTO_MAX_SIDE, settings.PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    thumb = image.copy()
    thumb.thumbnail(
        (settings.PHOTO_THUMB_SIDE, settings.PHOTO_THUMB_SIDE), Image.Resampling.LANCZOS
    )
    name = uuid.uuid4().hex
    return ProcessedPhoto(
        image=ContentFile(_encode_jpeg(image), name=f"{name}.jpg"),
        thumbnail=ContentFile(_encode_jpeg(thumb), name=f"{name}_t.jpg"),
        width=image.width,
        height=image.height,
    )


def process_signature(data_url: str) -> ContentFile | None:
    """A finger signature from the canvas, sent as a PNG data URL; stored as a plain PNG."""
    if not data_url:
        return None
    prefix = "data:image/png;base64,"
    if not data_url.startswith(prefix) or len(data_url) > 2_000_000:
        raise ValidationError(
            _("The signature could not be read; please sign again."), code="signature"
        )
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            _("The signature could not be read; please sign again."), code="signature"
        ) from None
    image = _open_checked(raw)
    out = io.BytesIO()
    clean = Image.new("RGBA", image.size)
    clean.paste(image.convert("RGBA"))
    clean.save(out, "PNG", optimize=True)
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.png")
