from tests.conftest import RunningBot


async def test_start_without_token_explains(bot: RunningBot) -> None:
    user = bot.api.user(500, "Lan")
    await user.send("/start")
    reply = await user.reply()
    assert "đường link mời" in reply.text
