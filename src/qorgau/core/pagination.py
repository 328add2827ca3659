"""Pagination for every list in the API and the pages."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Query
from pydantic import BaseModel
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session


@dataclass
class PageParams:
    page: int = 1
    per_page: int = 50

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def page_params(page: int = Query(1, ge=1, le=1_000_000, description="Page number, from 1"),
                per_page: int = Query(50, ge=1, le=200, description="Items per page (at most 200)")) -> PageParams:
    return PageParams(page, per_page)


class PageMeta(BaseModel):
    total: int
    page: int
    per_page: int
    pages: int


@dataclass
class Paged:
    items: list
    total: int
    params: PageParams

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.params.per_page))

    def meta(self) -> PageMeta:
        return PageMeta(total=self.total, page=self.params.page, per_page=self.params.per_page, pages=self.pages)


def paginate(session: Session, query: Select, params: PageParams, *, scalars: bool = True) -> Paged:
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    result = session.execute(query.limit(params.per_page).offset(params.offset))
    items = list(result.scalars() if scalars else result)
    return Paged(items, total, params)
