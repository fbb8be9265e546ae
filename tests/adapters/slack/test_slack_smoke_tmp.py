import json
import pytest

pytestmark = pytest.mark.loopback

async def test_smoke(bolt, kit):
    r = await bolt.slack.command("recovery")
    assert r.status == 200, r.text
    calls = await bolt.standin.wait_for("/response/cmd")
    print(json.dumps(calls[0].body, indent=1)[:3000])
    print([c.path for c in bolt.standin.calls])
    kit.check_message(calls[0].body)
