import pytest


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test (`item.report_call`), so a fixture can tell
    whether its test failed (test_production_server prints the server's log then)."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report
