"""A `Notice` written as a .docx in 公文 form (GB/T 9704-2012), with python-docx.

A4; 版心 156 × 225 mm with the top margin 37 mm and the left 28 mm; 22 lines of 28 characters
in 三号 (16 pt) 仿宋_GB2312; the title in 二号 方正小标宋简体; level-1 headings 黑体, level-2
楷体_GB2312; the banner red; a red rule under the 文号; page numbers `— 1 —` outside (odd pages
right, even left). Fonts are named, never embedded: the font table gives each 公文 face the
common face a computer without it uses instead (仿宋_GB2312 → 仿宋 → FangSong…).
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.document import Document as Docx
from docx.enum.section import WD_SECTION_START
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.shared import Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from insight.bulletin_doc import Kind, Notice

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
LEAD_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"
NUMBER_FONT = "宋体"  # page numbers: 4号半角宋体
# What each face falls back to where it is not installed (font table altName, then panose).
FALLBACKS = {
    TITLE_FONT: "宋体",
    BODY_FONT: "仿宋",
    HEADING_FONT: "SimHei",
    LEAD_FONT: "楷体",
}
RED = RGBColor(0xFF, 0x00, 0x00)

PAGE_W, PAGE_H = 210, 297  # mm, A4
TOP, LEFT = 37, 28  # mm
TEXT_W, TEXT_H = 156, 225  # mm, the 版心
LINES, CHARS = 22, 28
BODY_PT = 16.0  # 三号
TITLE_PT = 22.0  # 二号
NUMBER_PT = 14.0  # 四号
NUMBER_LINE_PT = 17.0
_MM_PT = 72 / 25.4
# 28.95 pt, in whole twentieths of a point rounded down, so that 22 lines fit in 225 mm.
LINE_TWIPS = int(TEXT_H * _MM_PT / LINES * 20)
LINE_PT = LINE_TWIPS / 20
CHAR_PT = TEXT_W * _MM_PT / CHARS  # 15.79 pt: 28 characters fill 156 mm
BANNER_MAX_PT = 36.0
# What may follow w:pBdr in a w:pPr (ECMA-376 CT_PPrBase).
_AFTER_PBDR = tuple(
    f"w:{tag}"
    for tag in (
        "shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE"
        " autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents"
        " suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId"
        " cnfStyle rPr sectPr pPrChange"
    ).split()
)


def write(notice: Notice, out: Path) -> Path:
    """Write the 通报 to `out` (.docx) and return it."""
    doc = Document()
    _page(doc)
    _styles(doc, notice.latin)
    body = doc.paragraphs[0] if doc.paragraphs else doc.add_paragraph()
    _banner(body, notice)
    if notice.number:
        number = doc.add_paragraph()
        _line(number, notice.number, BODY_FONT, BODY_PT, notice.latin, WD_ALIGN_PARAGRAPH.CENTER)
    else:
        number = doc.add_paragraph()
    _red_rule(number)
    doc.add_paragraph()  # a blank line between the rule and the title
    for part in notice.title.split("\n"):
        _line(
            doc.add_paragraph(),
            part,
            TITLE_FONT,
            TITLE_PT,
            notice.latin,
            WD_ALIGN_PARAGRAPH.CENTER,
            exact=False,
        )
    doc.add_paragraph()
    _line(doc.add_paragraph(), notice.addressees, BODY_FONT, BODY_PT, notice.latin)
    for para in notice.body:
        p = doc.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
        if para.kind is Kind.HEADING:
            _run(p, para.text, HEADING_FONT, BODY_PT, notice.latin)
            p.paragraph_format.keep_with_next = True
            continue
        if para.lead:
            _run(p, para.lead, LEAD_FONT, BODY_PT, notice.latin)
        _run(p, para.text, BODY_FONT, BODY_PT, notice.latin)
        p.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    _signature(doc, notice)
    doc.core_properties.title = notice.title
    doc.core_properties.author = notice.issuer
    doc.core_properties.last_modified_by = notice.issuer
    doc.core_properties.comments = ""
    _font_table(doc)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


def _page(doc: Docx) -> None:
    section = doc.sections[0]
    section.start_type = WD_SECTION_START.NEW_PAGE
    section.page_width, section.page_height = Mm(PAGE_W), Mm(PAGE_H)
    section.top_margin, section.left_margin = Mm(TOP), Mm(LEFT)
    section.right_margin = Mm(PAGE_W - LEFT - TEXT_W)
    section.bottom_margin = Mm(PAGE_H - TOP - TEXT_H)
    # The page number's line sits 7 mm under the 版心 (its top edge), in a line of its own height.
    section.footer_distance = Mm(PAGE_H - TOP - TEXT_H - 7) - Pt(NUMBER_LINE_PT)
    sect = section._sectPr
    grid = sect.find(qn("w:docGrid"))
    if grid is None:  # the template has one, in its place in the sequence
        grid = parse_xml(f"<w:docGrid {nsdecls('w')}/>")
        sect.append(grid)
    # The character grid: 28 per line however wide the face; charSpace is the difference from
    # the font size in 1/4096 pt.
    grid.set(qn("w:type"), "linesAndChars")
    grid.set(qn("w:linePitch"), str(LINE_TWIPS))
    grid.set(qn("w:charSpace"), str(round((CHAR_PT - BODY_PT) * 4096)))
    doc.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(p: Paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    """`— 1 —`, one character in from the outer edge."""
    p.alignment = align
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    p.paragraph_format.line_spacing = Pt(NUMBER_LINE_PT)
    if align is WD_ALIGN_PARAGRAPH.RIGHT:
        p.paragraph_format.right_indent = Pt(NUMBER_PT)
    else:
        p.paragraph_format.left_indent = Pt(NUMBER_PT)
    _run(p, "— ", NUMBER_FONT, NUMBER_PT, latin=False)
    run = _run(p, "", NUMBER_FONT, NUMBER_PT, latin=False)
    for xml in (
        f'<w:fldChar {nsdecls("w")} w:fldCharType="begin"/>',
        f'<w:instrText {nsdecls("w")} xml:space="preserve"> PAGE </w:instrText>',
        f'<w:fldChar {nsdecls("w")} w:fldCharType="separate"/>',
        f"<w:t {nsdecls('w')}>1</w:t>",
        f'<w:fldChar {nsdecls("w")} w:fldCharType="end"/>',
    ):
        run._r.append(parse_xml(xml))
    _run(p, " —", NUMBER_FONT, NUMBER_PT, latin=False)


def _styles(doc: Docx, latin: bool) -> None:
    normal = doc.styles["Normal"]
    _fonts(normal.element.get_or_add_rPr(), BODY_FONT, latin)
    normal.font.size = Pt(BODY_PT)
    fmt = normal.paragraph_format
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(LINE_PT)
    fmt.widow_control = False


def _fonts(rpr: BaseOxmlElement, face: str, latin: bool) -> None:
    """Name the face for East Asian text; Latin text in the same face, or Times in English."""
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = parse_xml(f"<w:rFonts {nsdecls('w')}/>")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        del fonts.attrib[attr]  # theme fonts would override the names
    other = LATIN_FONT if latin else face
    fonts.set(qn("w:ascii"), other)
    fonts.set(qn("w:hAnsi"), other)
    fonts.set(qn("w:eastAsia"), face)
    fonts.set(qn("w:cs"), other)
    fonts.set(qn("w:hint"), "eastAsia")


def _run(p: Paragraph, text: str, face: str, size: float, latin: bool, bold: bool = False) -> Run:
    run = p.add_run(text)
    run.font.size = Pt(size)
    run.font.bold = bold
    _fonts(run._r.get_or_add_rPr(), face, latin)
    return run


def _line(
    p: Paragraph,
    text: str,
    face: str,
    size: float,
    latin: bool,
    align: WD_ALIGN_PARAGRAPH | None = None,
    exact: bool = True,
) -> None:
    if align is not None:
        p.alignment = align
    if not exact:  # a title in 二号 needs more than one body line
        p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        p.paragraph_format.line_spacing = Pt(size * 1.5)
    _run(p, text, face, size, latin)


def _banner(p: Paragraph, notice: Notice) -> None:
    """发文机关标志: red 小标宋, as large as fits the 版心 width on one line."""
    width = TEXT_W * _MM_PT
    size = min(BANNER_MAX_PT, width / max(_width(notice.banner), 1) - 0.5)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    p.paragraph_format.line_spacing = Pt(max(size * 1.4, LINE_PT))
    p.paragraph_format.space_after = Pt(2 * LINE_PT)  # 发文机关标志下空二行
    run = _run(p, notice.banner, TITLE_FONT, round(size * 2) / 2, notice.latin)
    run.font.color.rgb = RED


def _red_rule(p: Paragraph) -> None:
    """版头中的分隔线: red, as wide as the 版心, 4 mm under the 文号."""
    ppr = p._p.get_or_add_pPr()
    border = parse_xml(
        f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="12"'
        f' w:space="{round(4 * _MM_PT)}" w:color="FF0000"/></w:pBdr>'
    )
    ppr.insert_element_before(border, *_AFTER_PBDR)  # Word reads pPr's children in order


def _width(text: str) -> float:
    """Width in body characters: a CJK character is one, a Latin letter or digit half."""
    return sum(1 if ord(c) > 0x2E7F else 0.5 for c in text)


def _signature(doc: Docx, notice: Notice) -> None:
    """落款: the issuer centred over the date; the date four characters in from the right."""
    for _ in range(2):
        doc.add_paragraph()
    date_w = _width(notice.dated)
    issuer_w = _width(notice.issuer)
    offset = 4 + max(0.0, (date_w - issuer_w) / 2)
    issuer = doc.add_paragraph()
    issuer.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    issuer.paragraph_format.right_indent = Pt(offset * BODY_PT)
    _run(issuer, notice.issuer, BODY_FONT, BODY_PT, notice.latin)
    dated = doc.add_paragraph()
    dated.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    dated.paragraph_format.right_indent = Pt((4 + max(0.0, (issuer_w - date_w) / 2)) * BODY_PT)
    _run(dated, notice.dated, BODY_FONT, BODY_PT, notice.latin)


def _font_table(doc: Docx) -> None:
    """Declare each 公文 face with the face Word and WPS use where it is missing (altName)."""
    rel = next((r for r in doc.part.rels.values() if r.reltype == RT.FONT_TABLE), None)
    if rel is None:
        return
    part = rel.target_part
    table = parse_xml(part.blob)
    for face, alt in FALLBACKS.items():
        table.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{face}"><w:altName w:val="{alt}"/>'
                '<w:charset w:val="86"/><w:family w:val="modern"/>'
                '<w:pitch w:val="fixed"/></w:font>'
            )
        )
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)
