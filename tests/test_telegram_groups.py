"""Group chats on Telegram: addressed commands, replies in thread, private details, migration."""

from __future__ import annotations

from storage import chats
from tests.fake_telegram import FakeTelegram
from tests.support import find_code
from tests.telegram_harness import TelegramBot, buttons, texts

GROUP = -100_500


async def test_subscribe_in_a_group_registers_it_and_answers_in_thread(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    group = fake.group(GROUP, "郑州安监工作群")
    out = await tg.say(tg.admin, "/subscribe@duban_test_bot", chat=group)
    assert len(out) == 1 and out[0]["chat"]["id"] == GROUP
    assert out[0]["text"] == "本群已订阅每周进度播报。"
    asked = fake.messages[(GROUP, out[0]["reply_to_message"]["message_id"])]
    assert asked["text"] == "/subscribe@duban_test_bot"  # the answer quotes the question
    async with tg.app.store.read() as db:
        found = await chats.find(db, "telegram", str(GROUP))
    assert found is not None and found.subscribed and found.title == "郑州安监工作群"


async def test_group_chatter_and_other_bots_commands_are_left_alone(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    group = fake.group(GROUP, "工作群")
    assert await tg.say(tg.admin, "大家下午好,材料明天交", chat=group) == []
    assert await tg.say(tg.admin, "/status@some_other_bot", chat=group) == []
    out = await tg.say(tg.admin, "@duban_test_bot /units", chat=group)  # a mention is for us
    assert "郑州市" in texts(out)


async def test_details_asked_in_a_group_go_private(tg: TelegramBot, fake: FakeTelegram) -> None:
    group = fake.group(GROUP, "工作群")
    zz = fake.user(1001, "张伟")
    await tg.bind("郑州", zz)  # opened the private chat through the deep link
    out = await tg.say(zz, "/todo", chat=group)
    private = [m for m in out if m["chat"]["id"] == zz["id"]]
    public = [m for m in out if m["chat"]["id"] == GROUP]
    assert "待报送材料 16 项" in texts(private)
    assert texts(public) == "涉及单位明细的内容已私信发送给您。"
    assert "待报送" not in texts(public)


async def test_someone_who_never_started_the_bot_gets_a_button_to_open_the_chat(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    group = fake.group(GROUP, "工作群")
    ww = fake.user(1002, "王五")
    fake.block(ww["id"], "bot can't initiate conversation with a user")
    code = find_code(texts(await tg.say(tg.admin, "/invite 开封 reporter")))
    out = await tg.say(ww, f"/bind {code}", chat=group)
    assert [m["chat"]["id"] for m in out] == [GROUP]
    assert "王五您好,涉及单位明细的内容只在私聊中发送" in out[0]["text"]
    assert buttons(out[0]) == [("打开私聊", "https://t.me/duban_test_bot")]
    assert "已私信" not in texts(out)  # it was not, so the bot does not say so

    fake.unblock(ww["id"])
    todo = await tg.say(ww, "/todo", chat=group)  # bound all the same, and now reachable
    assert "开封市安全生产监督管理局待报送材料" in texts(
        [m for m in todo if m["chat"]["id"] == 1002]
    )


async def test_group_upgraded_to_supergroup_keeps_its_subscription(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    group = fake.group(GROUP, "工作群")
    await tg.say(tg.admin, "/subscribe", chat=group)
    fake.migrate(GROUP, -1_001_500)
    await tg.say(tg.admin, chat=group, migrate_to_chat_id=-1_001_500)  # Telegram's notice
    async with tg.app.store.read() as db:
        assert await chats.find(db, "telegram", str(GROUP)) is None
        moved = await chats.find(db, "telegram", "-1001500")
    assert moved is not None and moved.subscribed


async def test_a_push_to_a_migrated_group_follows_it(tg: TelegramBot, fake: FakeTelegram) -> None:
    group = fake.group(GROUP, "工作群")
    await tg.say(tg.admin, "/subscribe", chat=group)
    fake.migrate(GROUP, -1_001_500)  # no notice seen (e.g. the bot was down)
    await tg.push(str(GROUP), "第 22 周进度通报")
    await fake.expect(-1_001_500, "第 22 周进度通报")
    async with tg.app.store.read() as db:
        moved = await chats.find(db, "telegram", "-1001500")
    assert moved is not None and moved.subscribed


async def test_an_album_in_a_group_is_one_report_when_any_caption_asks(
    tg: TelegramBot, fake: FakeTelegram
) -> None:
    group = fake.group(GROUP, "工作群")
    zz = fake.user(1001)
    await tg.bind("郑州", zz)
    mark = fake.mark()
    photos = [fake.photo(bytes([0xFF, 0xD8, i]) * 300) for i in range(2)]
    fake.message(zz, chat=group, photo=photos[0], media_group_id="G7")
    last = fake.message(zz, chat=group, photo=photos[1], media_group_id="G7", caption="/report 6.1")
    await tg.handled(last)
    said = [o.message for o in fake.since(mark)]
    assert len(said) == 1 and said[0]["chat"]["id"] == GROUP
    assert "已报送 [6.1]" in said[0]["text"] and "附件 2 个" in said[0]["text"]

    chatter = fake.message(zz, chat=group, photo=photos[0], media_group_id="G8")  # no command
    await tg.handled(chatter)
    assert fake.since(mark + 1) == []
