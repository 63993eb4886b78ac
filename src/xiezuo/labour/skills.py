"""The shared skill list: what workers hold and postings ask for.

`code` is the stable code used in files and the database. `occupation` is the code of the
matching occupation in the 2015 edition of the occupational classification (职业分类大典) where
one was identified; those codes were written from the published list and still want checking
against it (see the app's README notes), the empty ones are not yet mapped.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Skill:
    code: str
    name: str
    occupation: str = ""


SKILLS = (
    Skill("K01", "焊工", "6-18-02-04"),
    Skill("K02", "电工"),
    Skill("K03", "中式烹调师", "4-03-02-01"),
    Skill("K04", "中式面点师", "4-03-02-02"),
    Skill("K05", "家政服务员", "4-10-01-06"),
    Skill("K06", "养老护理员", "4-10-01-05"),
    Skill("K07", "育婴员"),
    Skill("K08", "保安员"),
    Skill("K09", "叉车司机"),
    Skill("K10", "机动车驾驶（货运）"),
    Skill("K11", "砌筑工"),
    Skill("K12", "钢筋工"),
    Skill("K13", "架子工"),
    Skill("K14", "缝纫工"),
    Skill("K15", "电子设备装配工"),
    Skill("K16", "数控车工"),
    Skill("K17", "汽车维修工"),
    Skill("K18", "美容美发"),
    Skill("K19", "农业技术员"),
    Skill("K20", "茶叶加工工"),
    Skill("K21", "快递员"),
    Skill("K22", "仓储管理员"),
    Skill("K23", "餐厅服务员"),
    Skill("K24", "客房服务员"),
)
BY_CODE = {s.code: s for s in SKILLS}
