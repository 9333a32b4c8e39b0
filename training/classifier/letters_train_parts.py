"""Hand-written form for the letter-style training material (``train_letters.jsonl``): each chat-style
training message of ``train.jsonl`` is wrapped, once, in a letter made of these parts, so that the model
learns that greetings, history and suggestions say nothing about the category (consultations and
suggestions are wrapped in the same form as field problems). Worded apart from the
evaluation set's parts (``letters_eval_parts.py``), which training never reads.
"""

OPENINGS = ["尊敬的领导，你们好！", "城管局的领导同志们：", "市民热线您好，", "致相关部门：", "尊敬的工作人员：",
            "您好！", "尊敬的区领导：", "尊敬的书记、区长："]
PLACES = ["新华街", "光明小区", "翠苑二区", "长安路口", "学府花园", "工人新村", "中山北路", "御景湾", "红星社区",
          "火车站东广场", "育才中学南侧", "丽水湾二期"]
INTROS = ["我住在{place}，", "本人系{place}住户，", "我是附近的居民，家在{place}，", "我是{place}的一位老住户，",
          "我家就在{place}，"]
HISTORIES = ["这种情况已有两个月了，", "已经反映好几次了，一直没人管，", "从春节后就开始了，",
             "之前打过12345，说会转给相关部门，结果没有回音，", "持续快半年了，", "前段时间城管来过一次，没过几天又照旧，"]
IMPACTS = ["给我们的生活带来极大不便。", "居民苦不堪言。", "存在很大的安全隐患。", "周围的住户都很有意见。"]
SUGGESTIONS = ["建议相关部门尽快处理。", "希望领导重视，早日解决。", "请求依法查处。", "建议安排人员定期检查。",
               "希望给我们一个答复。", "恳请尽快整改，还居民一个安宁的环境。", "建议从源头上加强管理。"]
CLOSINGS = ["谢谢！", "万分感谢！", "望回复。", ""]
EXTRAS = ["早晚高峰的时候最厉害，", "我们楼里住着好几户老人和孩子，", "这里是小区的主要出入口，",
          "我也向居委会说过，居委会让我打热线，"]
