-- Every expansion factor that reads a health value names a health factor of factor_catalogue or
-- a family score: a misspelt source would leave the factor missing for every account, silently.
select catalogue.factor_name
from {{ ref('expansion_factor_catalogue') }} as catalogue
left join {{ ref('factor_catalogue') }} as health_catalogue
    on catalogue.source_factor = health_catalogue.factor_name
where
    coalesce(trim(catalogue.source_factor), '') <> ''
    and health_catalogue.factor_name is null
    and catalogue.source_factor not in (
        'usage_score', 'support_score', 'relationship_score', 'finance_score'
    )
