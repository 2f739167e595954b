#!/usr/bin/env python3
"""Write a messy hand-made ledger (整改台账) as offices keep them, with openpyxl.

    make_messy.py OUT.xlsx [original|edited]

Title rows, a two-row header (a merged group header 责任主体 over 责任领导/责任部门/责任人),
header synonyms (存在问题, 整改举措, 责任部门, 整改时限), an unknown column (联系电话),
merged problem cells, text dates and a real date cell, a subtotal row, and an instructions
sheet without a header. `edited` changes one measure text and fixes the unreadable deadline.
"""
import datetime
import sys

from openpyxl import Workbook

out = sys.argv[1]
edited = len(sys.argv) > 2 and sys.argv[2] == "edited"

wb = Workbook()
ws = wb.active
ws.title = "整改台账"
ws["A1"] = "市教育局巡察反馈问题整改台账"
ws.merge_cells("A1:I1")
ws["A2"] = "填报时间: 2022年1月"
for col, name in zip("ABCD", ["序号", "方面", "存在问题", "整改举措"]):
    ws[f"{col}3"] = name
    ws.merge_cells(f"{col}3:{col}4")
ws["E3"] = "责任主体"
ws.merge_cells("E3:G3")
ws["E4"], ws["F4"], ws["G4"] = "责任领导", "责任部门", "责任人"
ws["H3"] = "整改时限"
ws.merge_cells("H3:H4")
ws["I3"] = "联系电话"
ws.merge_cells("I3:I4")

rows = [
    # row, 序号, 方面, 问题, 措施, 领导, 部门, 责任人, 时限, 电话
    (5, 1, "党的领导方面", "理论学习不深入", "制定学习计划", "李强", "办公室", "张伟", "2021年12月底", "12345"),
    (6, None, None, None,
     "建立考勤制度并每月通报" if edited else "建立考勤制度",
     "李强", "人事科", None, datetime.date(2022, 3, 31), None),
    (7, 2, None, "议事规则不健全", "修订议事规则", None, "办公室、人事科", "张伟", "长期坚持", None),
    (8, 3, None, "财务制度执行不严", "清理往来款项", None, "人事科", None,
     "2022.6.30" if edited else "下月", None),
]
for r, no, aspect, problem, measure, leader, unit, owner, deadline, phone in rows:
    for col, v in zip("ABCDEFGHI", [no, aspect, problem, measure, leader, unit, owner, deadline, phone]):
        if v is not None:
            ws[f"{col}{r}"] = v
            if isinstance(v, datetime.date):
                ws[f"{col}{r}"].number_format = "yyyy-mm-dd"
ws.merge_cells("A5:A6")
ws.merge_cells("C5:C6")
ws.merge_cells("B5:B8")
ws["A9"] = "合计"
ws.merge_cells("A9:C9")
ws["D9"] = "4项"

notes = wb.create_sheet("填表说明")
notes["A1"] = "说明: 请各责任部门按月填报整改进展。"
wb.save(out)
