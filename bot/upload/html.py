"""The upload page's HTML: one small mobile page, no external assets, escaped throughout."""

from __future__ import annotations

from html import escape

from locales import Translator

_STYLE = """
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;
background:#f4f5f7;color:#1f2329}
main{max-width:560px;margin:0 auto;padding:16px}
h1{font-size:20px;margin:8px 0 4px}
.card{background:#fff;border-radius:12px;padding:16px;margin:12px 0;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
.muted{color:#646a73;font-size:14px}
label{display:block;font-weight:600;margin:12px 0 6px}
input[type=file]{width:100%;padding:12px;border:1px dashed #8f959e;border-radius:8px;
background:#fafbfc}
textarea{width:100%;min-height:88px;padding:10px;border:1px solid #d0d3d6;border-radius:8px;
font:inherit}
button{width:100%;margin-top:16px;padding:14px;border:0;border-radius:8px;background:#1f6feb;
color:#fff;font-size:17px}
button:disabled{background:#8f959e}
progress{width:100%;height:14px;margin-top:12px}
ul{padding-left:20px;margin:6px 0}
.ok{color:#1a7f37}.bad{color:#cf222e}
.lang{float:right;font-size:14px}
"""

_SCRIPT = """
(function(){
var f=document.getElementById('f'),i=document.getElementById('files'),
b=document.getElementById('go'),p=document.getElementById('bar'),
s=document.getElementById('status'),l=document.getElementById('list'),
max=+f.getAttribute('data-max'),most=+f.getAttribute('data-most');
function mb(n){return (n/1048576).toFixed(1)+' MB';}
i.addEventListener('change',function(){
  l.innerHTML='';
  for(var k=0;k<i.files.length;k++){var li=document.createElement('li');
    li.textContent=i.files[k].name+' · '+mb(i.files[k].size);l.appendChild(li);}
});
f.addEventListener('submit',function(e){
  if(!window.FormData||!window.XMLHttpRequest){return;}
  e.preventDefault();
  if(!i.files.length){s.textContent=f.getAttribute('data-pick');return;}
  if(i.files.length>most){s.textContent=f.getAttribute('data-many');return;}
  for(var k=0;k<i.files.length;k++){if(i.files[k].size>max){
    s.textContent=f.getAttribute('data-big')+' '+i.files[k].name;return;}}
  var x=new XMLHttpRequest();x.open('POST',f.action);
  x.upload.onprogress=function(ev){if(ev.lengthComputable){
    var pc=Math.floor(ev.loaded*100/ev.total);p.value=pc;
    s.textContent=f.getAttribute('data-sending')+' '+pc+'%';}};
  x.onload=function(){document.open();document.write(x.responseText);document.close();};
  x.onerror=function(){b.disabled=false;s.textContent=f.getAttribute('data-failed');};
  b.disabled=true;p.hidden=false;s.textContent=f.getAttribute('data-sending')+' 0%';
  x.send(new FormData(f));
});
})();
"""


def _page(t: Translator, title: str, body: str, nonce: str | None = None) -> str:
    lang = "zh-CN" if t.locale == "zh_CN" else "en"
    script = f'<script nonce="{nonce}">{_SCRIPT}</script>' if nonce else ""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}</main>{script}</body></html>"
    )


def form_page(
    t: Translator,
    *,
    nonce: str,
    code: str,
    title: str,
    unit: str,
    expires: str,
    limit_mb: str,
    max_bytes: int,
    max_files: int,
    joins_draft: bool,
    other_lang: str,
) -> str:
    other = "English" if t.locale == "zh_CN" else "中文"
    intro = t("upload.page_joins" if joins_draft else "upload.page_new")
    body = (
        f'<a class="lang" href="?lang={other_lang}">{other}</a>'
        f"<h1>{escape(t('upload.page_title'))}</h1>"
        f'<div class="card"><div><b>[{escape(code)}] {escape(title)}</b></div>'
        f'<div class="muted">{escape(unit)}</div>'
        f'<div class="muted">{escape(t("upload.page_expires", expires=expires))}</div>'
        f'<div class="muted">{escape(intro)}</div></div>'
        + _form(
            t,
            max_bytes=max_bytes,
            max_files=max_files,
            limit_mb=limit_mb,
            label=t("upload.page_files"),
            limits=t("upload.page_limits", limit=limit_mb, count=max_files),
            submit=t("upload.page_submit"),
            several=True,
        )
    )
    return _page(t, t("upload.page_title"), body, nonce)


def plan_form_page(
    t: Translator,
    *,
    nonce: str,
    unit: str,
    expires: str,
    limit_mb: str,
    max_bytes: int,
    accept: str,
    other_lang: str,
) -> str:
    """The page of a plan link: what to upload (one notice) and what then happens."""
    other = "English" if t.locale == "zh_CN" else "中文"
    body = (
        f'<a class="lang" href="?lang={other_lang}">{other}</a>'
        f"<h1>{escape(t('plan_page.title'))}</h1>"
        f'<div class="card"><div><b>{escape(t("plan_page.what"))}</b></div>'
        f'<div class="muted">{escape(unit)}</div>'
        f'<div class="muted">{escape(t("upload.page_expires", expires=expires))}</div>'
        f'<div class="muted">{escape(t("plan_page.then"))}</div></div>'
        + _form(
            t,
            max_bytes=max_bytes,
            max_files=1,
            limit_mb=limit_mb,
            label=t("plan_page.file"),
            limits=t("plan_page.limits", limit=limit_mb),
            submit=t("plan_page.submit"),
            several=False,
            accept=accept,
        )
    )
    return _page(t, t("plan_page.title"), body, nonce)


def _form(
    t: Translator,
    *,
    max_bytes: int,
    max_files: int,
    limit_mb: str,
    label: str,
    limits: str,
    submit: str,
    several: bool,
    accept: str = "",
) -> str:
    """The form the script sends with progress: several files and a note, or one file."""
    picker = " multiple" if several else f' accept="{escape(accept)}"'
    note = (
        f'<label for="note">{escape(t("upload.page_note"))}</label>'
        '<textarea id="note" name="note" maxlength="500"></textarea>'
        if several
        else ""
    )
    return (
        f'<form id="f" class="card" method="post" action="" enctype="multipart/form-data"'
        f' data-max="{max_bytes}" data-most="{max_files}"'
        f' data-pick="{escape(t("upload.page_pick_first"))}"'
        f' data-many="{escape(t("upload.too_many", count=max_files))}"'
        f' data-big="{escape(t("upload.page_too_big", limit=limit_mb))}"'
        f' data-sending="{escape(t("upload.page_sending"))}"'
        f' data-failed="{escape(t("upload.page_network"))}">'
        f'<label for="files">{escape(label)}</label>'
        f'<input id="files" name="files" type="file"{picker}>'
        f'<div class="muted">{escape(limits)}</div><ul id="list"></ul>'
        f"{note}"
        f'<button id="go" type="submit">{escape(submit)}</button>'
        '<progress id="bar" max="100" value="0" hidden></progress>'
        '<div id="status" class="muted" role="status"></div></form>'
    )


def message_page(
    t: Translator, heading: str, lines: list[str], good: bool, title_key: str = "upload.page_title"
) -> str:
    """A result or refusal: a heading and a few lines, nothing to submit."""
    mark = "ok" if good else "bad"
    text = "".join(f"<p>{escape(line)}</p>" for line in lines if line)
    body = (
        f"<h1>{escape(t(title_key))}</h1>"
        f'<div class="card"><h2 class="{mark}">{escape(heading)}</h2>{text}</div>'
    )
    return _page(t, heading, body)
