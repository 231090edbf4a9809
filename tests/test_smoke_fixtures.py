from tests.support import factories


def test_factories_build_a_couple_with_two_partners(app):
    couple = factories.CoupleFactory()
    assert [p.position for p in couple.partners] == [1, 2]
    assert couple.practice_id == couple.counselor.practice_id
