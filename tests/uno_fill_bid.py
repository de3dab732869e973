"""Fill a bid workbook in LibreOffice, as a bidder would, through its UNO API.

Run by a Python that has LibreOffice's ``uno`` module (``tests/test_sourcing.py`` finds one):

    python3 uno_fill_bid.py BID.xlsx OUT.xlsx LOT CAPABILITY LEVEL UNIT_COST BID_ID

It opens BID.xlsx headless, reports on stdout (JSON) whether the offers sheet is protected and
whether the cells of LOT's first blank row and of an id are locked, writes the alternate bid
into that row and yes into the partner sheet's submitted cell, and saves OUT.xlsx.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

import uno
from com.sun.star.beans import PropertyValue


def prop(name, value):
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe):
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(240):
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:  # noqa: BLE001 (not listening yet)
            time.sleep(0.5)
    raise SystemExit("LibreOffice did not start")


def header(sheet):
    names, col = {}, 0
    while (text := sheet.getCellByPosition(col, 0).getString()):
        names[text] = col
        col += 1
    return names


def main():
    src, dst, lot, capability, level, unit_cost, bid_id = sys.argv[1:8]
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    pipe = f"orchestra_test_{os.getpid()}"
    office = subprocess.Popen(
        ["soffice", "--headless", "--invisible", "--norestore", "--nologo",
         f"-env:UserInstallation=file://{profile}", f"--accept=pipe,name={pipe};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        ctx = connect(pipe)
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(os.path.abspath(src)),
                                           "_blank", 0, (prop("Hidden", True),))
        offers = doc.Sheets.getByName("offers")
        cols = header(offers)
        row = next(r for r in range(1, 2000)
                   if offers.getCellByPosition(cols["lot"], r).getString() == lot
                   and offers.getCellByPosition(cols["sourced_for_roles"], r).getString()
                   == "(alternate bid or tier)")
        report = {
            "protected": offers.isProtected(),
            "spare_locked": {name: offers.getCellByPosition(cols[name], row)
                             .CellProtection.IsLocked
                             for name in ("capability", "level", "unit_cost", "bid_id")},
            "id_locked": offers.getCellByPosition(cols["partner_id"], row)
            .CellProtection.IsLocked,
            "row": row + 1,
        }
        offers.getCellByPosition(cols["capability"], row).setString(capability)
        offers.getCellByPosition(cols["level"], row).setValue(float(level))
        offers.getCellByPosition(cols["unit_cost"], row).setValue(float(unit_cost))
        offers.getCellByPosition(cols["bid_id"], row).setString(bid_id)
        partner = doc.Sheets.getByName("partner")
        report["submitted_locked"] = partner.getCellByPosition(
            header(partner)["submitted"], 1).CellProtection.IsLocked
        partner.getCellByPosition(header(partner)["submitted"], 1).setString("yes")
        doc.storeToURL(uno.systemPathToFileUrl(os.path.abspath(dst)),
                       (prop("FilterName", "Calc MS Excel 2007 XML"),))
        doc.close(True)
        print(json.dumps(report))
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 (the bridge closes as it quits)
            pass
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main()
