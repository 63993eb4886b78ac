from tests.cooperation.conftest import jiangsu_reviewer, suzhou_reporter, suzhou_tongren

__all__ = ["jiangsu_reviewer", "suzhou_reporter", "suzhou_tongren"]
