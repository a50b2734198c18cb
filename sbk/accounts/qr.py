"""QR codes as inline SVG (the TOTP enrolment, the electronic card)."""

import qrcode
import qrcode.image.svg


def qr_svg(text: str) -> str:
    return qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8).to_string(
        encoding="unicode"
    )
