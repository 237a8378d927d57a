"""Importing members from the web (admins): drop an XLSX or CSV; every row is checked and
every bad one shown with its line and reason before anything is written; then "import" or
"import the good rows"; then the personal-links workbook (a QR code per member) to download.
The same code as /nhapdanhsach and `neuguong import members` (`domain.imports`); the file
waits between the two steps as the admin's own upload (`domain.uploads`, a day)."""

from __future__ import annotations

from starlette.datastructures import FormData, UploadFile
from starlette.responses import Response

from bot.web.boundary import Download, Visit, action, download, page, path_id
from domain import imports, tables, uploads
from domain.access import require
from domain.errors import DomainError
from domain.imports import ImportCheck
from domain.tables import Table
from render import offload

WEB_MAX_ROWS = 20_000  # a province's whole list: `neuguong import members`
MAX_BYTES = 10 * 1024 * 1024
SHOWN = 500  # errors, new units and moves listed on the page; all of them in the workbook


@page()
async def import_page(visit: Visit) -> Response:
    return await _start(visit)


async def _start(
    visit: Visit, error: str | None = None, values: FormData | None = None, status: int = 200
) -> Response:
    require(visit.actor.is_admin, "web.console_not_admin")
    return visit.render("import.html", status, error=error, max_rows=WEB_MAX_ROWS)


async def _read(upload: object) -> tuple[str, bytes]:
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise DomainError("web.import_need_file")
    name = upload.filename
    if not name.lower().endswith((".xlsx", ".csv")):
        raise DomainError("import.bad_type")
    data = await upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DomainError("web.import_too_large")
    return name, data


async def _table(name: str, data: bytes) -> Table:
    """The file's rows, read in a worker thread (a workbook of thousands of rows)."""
    table = await offload.run(tables.read, data, name)
    if len(table.rows) > WEB_MAX_ROWS:
        raise DomainError("web.import_too_many", max=WEB_MAX_ROWS)
    return table


@action(_start)
async def check(visit: Visit, form: FormData) -> Response:
    """The file checked, nothing imported: what would be added, moved and refused."""
    require(visit.actor.is_admin, "web.console_not_admin")
    name, data = await _read(form.get("file"))
    found = await imports.check(visit.session, visit.actor, await _table(name, data))
    upload_id = await uploads.keep(visit.session, visit.actor, "import", name, data, visit.now)
    return _checked(visit, found, upload_id)


def _checked(visit: Visit, found: ImportCheck, upload_id: int) -> Response:
    return visit.render(
        "import_check.html",
        found=found,
        upload_id=upload_id,
        errors=found.errors[:SHOWN],
        units=found.units[:SHOWN],
        moves=found.moves[:SHOWN],
        shown=SHOWN,
        reason=lambda e: visit.t(e.key, **e.params),
    )


@download
async def plan_file(visit: Visit) -> Download:
    """Every bad row, new unit and move of a checked file, as a workbook."""
    from render.admin_files import plan_xlsx

    kept = await uploads.kept(
        visit.session, visit.actor, path_id(visit.request, "upload_id"), "import", visit.now
    )
    found = await imports.check(visit.session, visit.actor, await _table(kept.name, kept.data))
    return Download("kiem-tra-nhap.xlsx", plan_xlsx, (visit.lang, found))


@action(_start)
async def apply(visit: Visit, _form: FormData) -> Response:
    """The checked file imported (its good rows), checked once more against the tree as it
    is now; the personal links made into a workbook kept for the admin to download."""
    from render.admin_files import links_xlsx

    kept = await uploads.kept(
        visit.session, visit.actor, path_id(visit.request, "upload_id"), "import", visit.now
    )
    found = await imports.check(visit.session, visit.actor, await _table(kept.name, kept.data))
    if not found.good:
        raise DomainError("web.import_nothing")
    done = await imports.apply(visit.session, visit.actor, found, visit.now)
    links = 0
    if done.links:
        book = await offload.run(links_xlsx, visit.lang, done.links, visit.web.config.link)
        stamp = f"{visit.local(visit.now):%Y%m%d-%H%M}"
        name = f"link-moi-{stamp}.xlsx"
        links = await uploads.keep(visit.session, visit.actor, "links", name, book, visit.now)
    return visit.render(
        "import_done.html", done=done, skipped=len(found.errors), links=links,
        days=imports.INVITE_DAYS,
    )  # fmt: skip


@download
async def links_file(visit: Visit) -> Download:
    """The personal-links workbook the import made (the admin's, for a day)."""
    kept = await uploads.kept(
        visit.session, visit.actor, path_id(visit.request, "upload_id"), "links", visit.now
    )
    return Download(kept.name, bytes, (kept.data,))


@download
async def template_file(visit: Visit) -> Download:
    from render.admin_files import template_xlsx

    require(visit.actor.is_admin, "web.console_not_admin")
    return Download("mau-danh-sach-dang-vien.xlsx", template_xlsx, (visit.lang,))
