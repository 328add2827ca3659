"""The profile page where a person links their Telegram chat for alerts."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from qorgau.channels import service
from qorgau.core.deps import get_db, require_user
from qorgau.core.models import User
from qorgau.core.templating import render

router = APIRouter()


@router.get("/account/messenger")
def messenger_page(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    settings = request.app.state.settings
    return render(request, "channels/messenger.html", {
        "link": service.link_of(db, user_id=user.id), "configured": bool(settings.telegram_token),
        "minutes": service.CODE_MINUTES})


@router.post("/account/messenger/code")
def messenger_code(request: Request, user: User = Depends(require_user), db: Session = Depends(get_db)):
    code = service.new_link_code(db, user=user)
    db.commit()
    settings = request.app.state.settings
    return render(request, "channels/messenger.html", {
        "link": service.link_of(db, user_id=user.id), "configured": bool(settings.telegram_token),
        "minutes": service.CODE_MINUTES, "code": f"{code[:4]} {code[4:]}"}, headers={"Cache-Control": "no-store"})


@router.post("/account/messenger/unlink")
def messenger_unlink(user: User = Depends(require_user), db: Session = Depends(get_db)):
    service.unlink(db, user=user)
    db.commit()
    return RedirectResponse("/account/messenger", status_code=303)
